"""Pure exposure attribution: "fewer people saw it" versus "fewer of those who saw it liked it".

Between a previous and a current window, the change in new likes L = I * r (impressions
times like rate) splits by the symmetric (midpoint, Shapley) decomposition

    exposure   = (I1 - I0) * (r0 + r1) / 2
    engagement = (r1 - r0) * (I0 + I1) / 2

which sum exactly to L1 - L0. No I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from .times import format_ts

STEADY_PCT = 10.0  # changes smaller than this (in %) read as "held steady"


@dataclass(frozen=True, slots=True)
class VersionLive:
    """A ranking version and the ts (ms) it went live."""

    version: str
    since: int

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "since": self.since, "at": format_ts(self.since)}


@dataclass(frozen=True, slots=True)
class Window:
    """What one window [since, until) saw: impressions, new likes, live ranking versions."""

    impressions: int
    new_likes: int
    since: int | None = None
    until: int | None = None
    versions: tuple[VersionLive, ...] = ()

    @property
    def rate(self) -> Fraction | None:
        """New likes per impression (exact); None without impressions."""
        return Fraction(self.new_likes, self.impressions) if self.impressions else None

    @property
    def per_thousand(self) -> float | None:
        """New likes per 1,000 impressions, rounded to 0.1."""
        rate = self.rate
        return None if rate is None else round(float(rate * 1000), 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "impressions": self.impressions,
            "new_likes": self.new_likes,
            "likes_per_1000": self.per_thousand,
            "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True, slots=True)
class Attribution:
    """The change in new likes between two windows, split into exposure and engagement.

    ``exposure + engagement == change`` exactly (they are exact fractions).
    """

    previous: Window
    current: Window
    exposure: Fraction
    engagement: Fraction
    new_versions: tuple[VersionLive, ...]

    @property
    def change(self) -> int:
        return self.current.new_likes - self.previous.new_likes

    @property
    def sentence(self) -> str:
        return describe(self)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON; the two effects are rounded to 0.01 so that they still add up."""
        exposure = round(float(self.exposure), 2)
        r0, r1 = self.previous.rate, self.current.rate
        return {
            "previous": self.previous.to_json(),
            "current": self.current.to_json(),
            "change": self.change,
            "exposure_effect": exposure,
            "engagement_effect": round(self.change - exposure, 2),
            "new_likes_change_pct": _pct(self.previous.new_likes, self.current.new_likes),
            "impressions_change_pct": _pct(self.previous.impressions, self.current.impressions),
            "like_rate_change_pct": None if r0 is None or r1 is None else _pct(r0, r1),
            "new_versions": [v.to_json() for v in self.new_versions],
            "sentence": self.sentence,
        }


def previous_window(since: int, until: int) -> tuple[int, int]:
    """The window of equal length just before [since, until)."""
    return since - (until - since), since


def attribute(previous: Window, current: Window) -> Attribution:
    """Split the change in new likes from ``previous`` to ``current``.

    Without impressions on one side, that side borrows the other's like rate (so the
    appearance or disappearance of impressions is all exposure); without impressions on
    both, everything is engagement. ``new_versions`` are the versions live in ``current``
    that were not live in ``previous``.
    """
    i0, i1 = previous.impressions, current.impressions
    r0, r1 = previous.rate, current.rate
    if r0 is None and r1 is None:
        exposure = Fraction(0)
    else:
        r0 = r1 if r0 is None else r0
        r1 = r0 if r1 is None else r1
        assert r0 is not None
        assert r1 is not None
        exposure = (i1 - i0) * (r0 + r1) / 2
    engagement = (current.new_likes - previous.new_likes) - exposure
    old = {v.version for v in previous.versions}
    fresh = tuple(v for v in current.versions if v.version not in old)
    return Attribution(previous, current, exposure, engagement, fresh)


def describe(a: Attribution) -> str:
    """A sentence a creator understands, leading with the larger effect.

    Example: "new likes fell 40%: impressions fell 45% after ranking version r3 went live
    on Nov 12; your like rate held steady".
    """
    head = _movement("new likes", a.previous.new_likes, a.current.new_likes)
    if a.previous.impressions == 0 and a.current.impressions == 0:
        return f"{head}: no impressions were recorded in either window"
    reach = _movement("impressions", a.previous.impressions, a.current.impressions)
    if a.new_versions and not reach.endswith("held steady"):
        latest = max(a.new_versions, key=lambda v: v.since)
        reach += f" after ranking version {latest.version} went live on {_day(latest.since)}"
    rate = _rate_phrase(a.previous, a.current)
    if abs(a.engagement) > abs(a.exposure):
        return f"{head}: {rate}; {reach}"
    return f"{head}: {reach}; {rate}"


def _rate_phrase(previous: Window, current: Window) -> str:
    p0, p1 = previous.per_thousand, current.per_thousand
    if p0 is None or p1 is None:
        return "your like rate cannot be compared (no impressions in one window)"
    move = _movement("your like rate", p0, p1)
    if move.endswith("held steady"):
        return move
    return f"{move} ({p0:g} to {p1:g} per 1,000 impressions)"


def _movement(what: str, before: float, after: float) -> str:
    pct = _pct(before, after)
    if pct is None:
        return f"{what} went from 0 to {after:g}" if after else f"{what} stayed at 0"
    if abs(pct) < STEADY_PCT:
        return f"{what} held steady"
    return f"{what} {'rose' if pct > 0 else 'fell'} {abs(pct):.0f}%"


def _pct(before: float | Fraction, after: float | Fraction) -> float | None:
    if not before:
        return None
    return round(float((Fraction(after) - Fraction(before)) / Fraction(before) * 100), 1)


def _day(ts: int) -> str:
    moment = datetime.fromtimestamp(ts / 1000, tz=UTC)
    return f"{moment:%b} {moment.day}"
