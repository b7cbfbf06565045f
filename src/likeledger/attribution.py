"""Exposure attribution for explain: gathers the two windows' facts from the store and hands
them to the pure :mod:`likeledger.exposure` split.

Rules: the current window is [since, until), an open ``until`` meaning the latest event's
time; the previous window has the same length and ends at ``since``. Without ``since`` there
is no previous window, so no attribution. New likes are the ``like`` journal entries of the
window; impressions are counted by hour bucket (a bucket belongs to the window holding its
start).
"""

from __future__ import annotations

from .exposure import Attribution, VersionLive, Window, attribute, previous_window
from .rules import CAUSES
from .store.base import Store

_LIKE = CAUSES.index("like")


def exposure_for(
    store: Store, kind: int, subject: int, since: int | None, until: int | None, *, rolled: bool
) -> Attribution | None:
    """The exposure/engagement split of new likes versus the previous window, or None."""
    if since is None:
        return None
    end = until if until is not None else store.last_ts() + 1
    if end <= since:
        return None
    start0, end0 = previous_window(since, end)
    versions = store.ranking_versions(end)
    current = _window(store, kind, subject, since, end, versions, rolled)
    previous = _window(store, kind, subject, max(start0, 0), end0, versions, rolled)
    return attribute(previous, current)


def _window(
    store: Store,
    kind: int,
    subject: int,
    since: int,
    until: int,
    versions: list[tuple[int, str]],
    rolled: bool,
) -> Window:
    sums = store.journal_window(kind, subject, since, until, rolled=rolled)
    return Window(
        impressions=store.impressions(kind, subject, since, until),
        new_likes=sums.get(_LIKE, [0, 0])[0],
        since=since,
        until=until,
        versions=_live(versions, since, until),
    )


def _live(versions: list[tuple[int, str]], since: int, until: int) -> tuple[VersionLive, ...]:
    """The version live when the window opens, and every version that went live inside it."""
    before = [VersionLive(v, ts) for ts, v in versions if ts <= since]
    during = [VersionLive(v, ts) for ts, v in versions if since < ts < until]
    return tuple(before[-1:] + during)
