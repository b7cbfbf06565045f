"""Ground truth of a simulation: what really happened to every like count, by day and cause.

Kept by the simulator's own bookkeeping of the counting rule (SEMANTICS.md section 4),
never by a ledger, so a ledger can be checked against it. Cause names are the journal's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import orjson

from ..exposure import VersionLive, Window
from ..times import format_ts
from .config import DAY_MS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

Key = tuple[int, int, str]  # (subject index, day, cause)


class Truth:
    """Per-video and per-creator likes gained and lost, per day and cause, plus who the bots are.

    A journal entry is one event's net change of one subject; its positive deltas are
    ``gained`` and its negative deltas ``lost`` (so ``gained - lost`` is the net change).
    """

    def __init__(
        self, *, start: int, days: int, user_names: Sequence[str], video_names: Sequence[str]
    ) -> None:
        self.start, self.days = start, days
        self.user_names, self.video_names = user_names, video_names
        self.video_gained: dict[Key, int] = defaultdict(int)
        self.video_lost: dict[Key, int] = defaultdict(int)
        self.creator_gained: dict[Key, int] = defaultdict(int)
        self.creator_lost: dict[Key, int] = defaultdict(int)
        self.impressions: dict[tuple[int, int], int] = defaultdict(int)
        self.bots: set[int] = set()
        self.hijacked: set[int] = set()
        self.ranking: list[tuple[str, int]] = []
        self.incidents: list[dict[str, Any]] = []
        self.likes: dict[int, int] = {}  # final likes(v) of videos not deleted
        self.totals: dict[int, int] = {}  # final total(c) of creators not deleted
        self.creator_of: Sequence[int] = ()  # creator index of each video
        self.sealed = False
        self._index: dict[str, dict[int, list[tuple[int, str, int]]]] = {}
        self._positions: dict[str, dict[str, int]] = {}

    def day(self, ts: int) -> int:
        """The 0-based day of the run a timestamp falls in."""
        return (ts - self.start) // DAY_MS

    def video(self, video: int, *, ts: int, cause: str, delta: int) -> None:
        """Record one journal entry of a video's ``likes(v)``."""
        key = (video, (ts - self.start) // DAY_MS, cause)
        if delta > 0:
            self.video_gained[key] += delta
        elif delta < 0:
            self.video_lost[key] -= delta

    def creator(self, creator: int, *, ts: int, cause: str, delta: int) -> None:
        """Record one journal entry of a creator's profile total."""
        key = (creator, (ts - self.start) // DAY_MS, cause)
        if delta > 0:
            self.creator_gained[key] += delta
        elif delta < 0:
            self.creator_lost[key] -= delta

    def incident(self, kind: str, *, ts: int, **details: Any) -> None:
        """Note a scenario incident (campaign, moderation, ...) for reports and demos."""
        self.incidents.append({"kind": kind, "ts": ts, **details})

    def seal(self) -> None:
        """Mark the run finished: queries may index the tables from now on."""
        self.sealed = True
        self._index.clear()

    def net(
        self, *, video: str | None = None, creator: str | None = None, days: range | None = None
    ) -> dict[str, int]:
        """Net change per cause of one video or creator, over ``days`` (default: all)."""
        out: dict[str, int] = defaultdict(int)
        for day, cause, delta in self._entries(video=video, creator=creator):
            if days is None or day in days:
                out[cause] += delta
        return dict(out)

    def exposure(
        self, *, video: str | None = None, creator: str | None = None, days: range
    ) -> Window:
        """Impressions, new likes (cause ``like``) and live ranking versions over ``days``,
        ready for :func:`likeledger.exposure.attribute`."""
        likes = sum(
            delta
            for day, cause, delta in self._entries(video=video, creator=creator)
            if cause == "like" and delta > 0 and day in days
        )
        if video is not None:
            videos = {self._position("video", video)}
        else:
            c = self._position("creator", creator or "")
            videos = {v for v, owner in enumerate(self.creator_of) if owner == c}
        shown = sum(n for (v, day), n in self.impressions.items() if v in videos and day in days)
        since, until = self.start + days.start * DAY_MS, self.start + days.stop * DAY_MS
        return Window(shown, likes, since, until, self._versions(since, until))

    def _versions(self, since: int, until: int) -> tuple[VersionLive, ...]:
        ends = [ts for _, ts in self.ranking[1:]] + [until]
        return tuple(
            VersionLive(name, ts)
            for (name, ts), end in zip(self.ranking, ends, strict=True)
            if ts < until and end > since
        )

    def _entries(self, *, video: str | None, creator: str | None) -> list[tuple[int, str, int]]:
        """(day, cause, signed amount) rows of one subject; gains and losses both listed."""
        if (video is None) == (creator is None):
            raise ValueError("name exactly one of video or creator")
        kind, name = ("video", video) if video is not None else ("creator", creator)
        assert name is not None
        gained, lost = (
            (self.video_gained, self.video_lost)
            if kind == "video"
            else (self.creator_gained, self.creator_lost)
        )
        subject = self._position(kind, name)
        if not self.sealed:
            return _rows(gained, lost, lambda s: s == subject).get(subject, [])
        if kind not in self._index:
            self._index[kind] = _rows(gained, lost, lambda _: True)
        return self._index[kind].get(subject, [])

    def _position(self, kind: str, name: str) -> int:
        """Index of a video (kind "video") or account by wire name; -1 when unknown."""
        if kind not in self._positions:
            names = self.video_names if kind == "video" else self.user_names
            self._positions[kind] = {n: i for i, n in enumerate(names)}
        return self._positions[kind].get(name, -1)

    def to_json(self) -> dict[str, Any]:
        """The whole truth as plain JSON data, keyed by the wire names of videos and users."""
        return {
            "start": format_ts(self.start),
            "days": self.days,
            "videos": self._table(self.video_gained, self.video_lost, self.video_names),
            "creators": self._table(self.creator_gained, self.creator_lost, self.user_names),
            "impressions": self._impressions(),
            "likes": {self.video_names[v]: n for v, n in sorted(self.likes.items())},
            "totals": {self.user_names[c]: n for c, n in sorted(self.totals.items())},
            "bots": sorted((self.user_names[u] for u in self.bots), key=_natural),
            "hijacked": sorted((self.user_names[u] for u in self.hijacked), key=_natural),
            "ranking": [{"version": v, "ts": ts, "at": format_ts(ts)} for v, ts in self.ranking],
            "incidents": self.incidents,
        }

    def _date(self, day: int) -> str:
        return format_ts(self.start + day * DAY_MS)[:10]

    def _table(
        self, gained: dict[Key, int], lost: dict[Key, int], names: Sequence[str]
    ) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
        out: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
        for subject, day, cause in sorted(set(gained) | set(lost)):
            g, lo = gained.get((subject, day, cause), 0), lost.get((subject, day, cause), 0)
            if g or lo:
                by_day = out.setdefault(names[subject], {}).setdefault(self._date(day), {})
                by_day[cause] = {"gained": g, "lost": lo}
        return out

    def _impressions(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (video, day), count in sorted(self.impressions.items()):
            out.setdefault(self.video_names[video], {})[self._date(day)] = count
        return out


def write_truth(truth: Truth, path: str | Path) -> None:
    """Write ``truth.to_json()`` to ``path`` as one JSON document."""
    with open(path, "wb") as fh:
        fh.write(orjson.dumps(truth.to_json(), option=orjson.OPT_INDENT_2))


def _rows(
    gained: dict[Key, int], lost: dict[Key, int], wanted: Callable[[int], bool]
) -> dict[int, list[tuple[int, str, int]]]:
    out: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for table, sign in ((gained, 1), (lost, -1)):
        for (subject, day, cause), value in table.items():
            if wanted(subject):
                out[subject].append((day, cause, sign * value))
    return out


def _natural(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else -1, name)
