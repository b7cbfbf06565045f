"""The general path of :func:`likeledger.engine.apply`: one handler per event type.

Each handler mutates the :class:`~likeledger.model.State` it is given and charges every count
it moves to a :class:`~likeledger.engine.Deltas`; ``apply`` dispatches through ``HANDLERS``.
They live apart from ``engine.py`` so that module stays the short read of the decision flow
(duplicates, refusals, the plain-like fast path, account flips) while these hold the cascades.
Pure, like the engine: no clock, no storage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from .events import Event, InvalidEvent
from .model import ACTIVE, DELETED, REMOVED, RESTRICTED, Edge, LikeRef, State, User, Video
from .rules import blocked_between, like_counts

if TYPE_CHECKING:  # annotations only: the engine imports this module at run time
    from .engine import Deltas, Status


def _user(state: State, name: str) -> User:
    return state.user(name) or state.add_user(name)


def _video(state: State, event: Event) -> Video:
    video = state.video(event.data["video"])
    if video is None:  # the refusal checks guarantee this cannot happen
        raise InvalidEvent(f"video {event.data['video']!r} vanished")
    return video


def _counts(state: State, user: User, video: Video, edge: Edge | None) -> bool:
    if edge is None or video.deleted:
        return False
    creator = state.user_by_id(video.creator)
    return like_counts(edge.liked, edge.flagged, user, blocked_between(state, user, creator))


def _like(state: State, event: Event, deltas: Deltas) -> Status:
    user, video = _user(state, event.data["user"]), _video(state, event)
    edge = state.edge(user, video)
    if edge is not None and edge.ts is not None and event.ts < edge.ts:
        return "stale"
    before = _counts(state, user, video, edge)
    if edge is None:
        edge = state.add_edge(user, video)
    edge.liked, edge.ts = event.type == "like", event.ts
    state.touch(edge)
    after = _counts(state, user, video, edge)
    if after != before:
        deltas.video(video, 1 if after else -1)
    return "accepted"


def _ref_counts(state: State, user: User, video: Video, ref: LikeRef) -> bool:
    creator = state.user_by_id(video.creator)
    return like_counts(True, ref.flagged, user, blocked_between(state, user, creator))


def _block(state: State, event: Event, deltas: Deltas) -> Status:
    blocker, blocked = _user(state, event.data["blocker"]), _user(state, event.data["blocked"])
    on = event.type == "block"

    def mutate() -> None:
        state.set_blocked(blocker, blocked, on)

    if state.blocked(blocker.id, blocked.id) == on:
        return "accepted"
    if state.blocked(blocked.id, blocker.id):  # still blocked the other way: no count moves
        mutate()
        return "accepted"
    pairs = [(blocker, blocked), (blocked, blocker)]
    _recount(state, deltas, [(u, state.liked_edges(u, c)) for u, c in pairs], mutate)
    return "accepted"


def _recount(
    state: State,
    deltas: Deltas,
    groups: list[tuple[User, list[LikeRef]]],
    mutate: Callable[[], None],
) -> None:
    """Apply ``mutate`` and charge every listed liked edge whose counting flipped."""
    flat = [(u, state.video_by_id(r.video), r) for u, refs in groups for r in refs]
    live = [(u, v, r) for u, v, r in flat if not v.deleted]
    before = [_ref_counts(state, u, v, r) for u, v, r in live]
    mutate()
    for (u, v, r), was in zip(live, before, strict=True):
        now = _ref_counts(state, u, v, r)
        if now != was:
            deltas.video(v, 1 if now else -1)


def _account_status(state: State, event: Event, deltas: Deltas) -> Status:
    user, status = _user(state, event.data["user"]), event.data["status"]
    if status == DELETED:
        for video in state.videos_of(user):
            _delete_video(state, video, deltas)

    def mutate() -> None:
        user.status = status
        state.touch(user)

    if (user.status == ACTIVE) == (status == ACTIVE):
        mutate()
    else:
        _recount(state, deltas, [(user, state.liked_edges(user))], mutate)
    return "accepted"


def _integrity(state: State, event: Event, deltas: Deltas) -> Status:
    user, on = _user(state, event.data["user"]), event.type == "integrity.flag"
    if "video" not in event.data:
        if user.flagged != on:

            def mutate() -> None:
                user.flagged = on
                state.touch(user)

            _recount(state, deltas, [(user, state.liked_edges(user))], mutate)
        return "accepted"
    video = _video(state, event)
    edge = state.edge(user, video) or state.add_edge(user, video)
    before = _counts(state, user, video, edge)
    edge.flagged = on
    state.touch(edge)
    after = _counts(state, user, video, edge)
    if after != before:
        deltas.video(video, 1 if after else -1)
    return "accepted"


def _delete_video(state: State, video: Video, deltas: Deltas) -> None:
    if video.in_total and video.likes:
        deltas.total(state.user_by_id(video.creator), -video.likes)
    video.deleted = True
    state.touch(video)


def _video_deleted(state: State, event: Event, deltas: Deltas) -> Status:
    _delete_video(state, _video(state, event), deltas)
    return "accepted"


_MODERATION: Final = {"remove": REMOVED, "restrict": RESTRICTED, "restore": None}


def _moderation(state: State, event: Event, deltas: Deltas) -> Status:
    video = _video(state, event)
    was_in = video.in_total
    video.moderation = _MODERATION[event.data["action"]]
    state.touch(video)
    if video.in_total != was_in and video.likes:
        delta = video.likes if video.in_total else -video.likes
        deltas.total(state.user_by_id(video.creator), delta)
    return "accepted"


def _published(state: State, event: Event, _: Deltas) -> Status:
    state.add_video(
        event.data["video"], _user(state, event.data["creator"]), event.data["visibility"]
    )
    return "accepted"


def _visibility(state: State, event: Event, _: Deltas) -> Status:
    video = _video(state, event)
    video.visibility = event.data["visibility"]
    state.touch(video)
    return "accepted"


def _follow(state: State, event: Event, _: Deltas) -> Status:
    follower, followee = _user(state, event.data["follower"]), _user(state, event.data["followee"])
    state.set_follows(follower.id, followee.id, event.type == "follow")
    return "accepted"


def _impressions(state: State, event: Event, _: Deltas) -> Status:
    video = _video(state, event)
    state.add_impressions(video, event.ts, event.data["count"], event.data.get("version"))
    return "accepted"


def _nothing(_state: State, _event: Event, _deltas: Deltas) -> Status:
    return "accepted"


HANDLERS: Final[dict[str, Callable[[State, Event, Deltas], Status]]] = {
    "video.published": _published,
    "video.visibility": _visibility,
    "video.deleted": _video_deleted,
    "moderation": _moderation,
    "like": _like,
    "unlike": _like,
    "follow": _follow,
    "unfollow": _follow,
    "block": _block,
    "unblock": _block,
    "account.status": _account_status,
    "integrity.flag": _integrity,
    "integrity.clear": _integrity,
    "ranking.version": _nothing,
    "impressions": _impressions,
}
