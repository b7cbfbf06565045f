"""Hypothesis strategies: plausible event streams over small pools of users and videos.

Small pools make collisions likely (the same pair liked and unliked, blocks between likers
and creators, deleted accounts that still get mentioned); ts values cluster on half-hour
marks so ties, out-of-order arrival and hour boundaries (the explain roll-ups) all occur.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import strategies as st

from likeledger.times import format_ts

HOUR = 3_600_000
USERS = ("u0", "u1", "u2", "u3", "u4")
VIDEOS = ("v0", "v1", "v2", "v3")

users = st.sampled_from(USERS)
videos = st.sampled_from(VIDEOS)
timestamps = st.one_of(
    st.integers(0, 12).map(lambda k: k * HOUR // 2),
    st.integers(0, 6 * HOUR),
)
Event = dict[str, Any]


def _ev(etype: str, **fields: Any) -> st.SearchStrategy[Event]:
    return st.fixed_dictionaries({"type": st.just(etype), "ts": timestamps, **fields})


def _flag_like(etype: str) -> st.SearchStrategy[Event]:
    return st.one_of(_ev(etype, user=users), _ev(etype, user=users, video=videos))


_STATUSES = ["active", "active", "active", "deactivated", "suspended", "banned", "deleted"]
_VISIBILITIES = ["public", "friends", "private"]
# (weight, strategy): mostly likes, then the events that move counts in bulk.
_WEIGHTED: list[tuple[int, st.SearchStrategy[Event]]] = [
    (12, _ev("like", user=users, video=videos)),
    (4, _ev("unlike", user=users, video=videos)),
    (3, _ev("account.status", user=users, status=st.sampled_from(_STATUSES))),
    (2, _ev("block", blocker=users, blocked=users)),
    (2, _ev("unblock", blocker=users, blocked=users)),
    (2, _flag_like("integrity.flag")),
    (2, _flag_like("integrity.clear")),
    (3, _ev("moderation", video=videos, action=st.sampled_from(["remove", "restrict", "restore"]))),
    (2, _ev("follow", follower=users, followee=users)),
    (1, _ev("unfollow", follower=users, followee=users)),
    (
        1,
        _ev(
            "video.published",
            video=videos,
            creator=users,
            visibility=st.sampled_from(_VISIBILITIES),
        ),
    ),
    (1, _ev("video.visibility", video=videos, visibility=st.sampled_from(_VISIBILITIES))),
    (1, _ev("video.deleted", video=videos)),
    (1, _ev("ranking.version", version=st.sampled_from(["r1", "r2"]))),
    (1, _ev("impressions", video=videos, count=st.integers(0, 5))),
]
# sampled_from keeps repeats (one_of would fold equal branches together), so weights hold.
events = st.sampled_from(
    [i for i, (weight, _) in enumerate(_WEIGHTED) for _ in range(weight)]
).flatmap(lambda i: _WEIGHTED[i][1])


@st.composite
def streams(draw: st.DrawFn, *, all_ids: bool = False, max_size: int = 50) -> list[Event]:
    """A stream of event objects: some with ids, some retried later, some id conflicts.

    A few creators publish up front so that likes have something to land on.
    """
    opening = [
        {"type": "video.published", "ts": 0, "video": v, "creator": USERS[i % 3]}
        for i, v in enumerate(VIDEOS[: draw(st.sampled_from([4, 4, 4, 3, 2]))])
    ]
    body = [draw(events) for _ in range(draw(st.integers(0, max_size)))]
    stream: list[Event] = []
    for n, event in enumerate(opening + body):
        event = dict(event)
        if all_ids or draw(st.integers(0, 3)):
            event["id"] = f"e{n}"
        if draw(st.integers(0, 5)) == 0:
            event["ts"] = format_ts(event["ts"])  # the same instant as RFC 3339
        stream.append(event)
    for _ in range(draw(st.integers(0, 6))):
        keyed = [i for i, e in enumerate(stream) if "id" in e]
        if not keyed:
            break
        source = stream[draw(st.sampled_from(keyed))]
        at = draw(st.integers(0, len(stream)))
        retry = draw(st.integers(0, 3)) > 0
        # a retry has the same id and content (maybe arriving late); otherwise a conflict
        copy = dict(source) if retry else {**draw(events), "id": source["id"]}
        stream.insert(at, copy)
    return stream


def lines_of(stream: list[Event], *, junk: list[bytes] | None = None) -> list[bytes]:
    """JSON Lines for a stream, optionally with junk lines mixed in at fixed places."""
    out = [orjson.dumps(event) for event in stream]
    for i, line in enumerate(junk or []):
        out.insert((i * 7) % (len(out) + 1), line)
    return out
