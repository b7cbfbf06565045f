"""Apply one event to state: refusal checks, last-writer-wins, cascades, journal deltas.

Pure over a :class:`~likeledger.model.State`: the store hands in its working set and gets
back an :class:`Outcome` whose ``changes`` are the journal entries for this event (one per
subject whose count changed, zero deltas dropped). Plain likes take a fast path here; anything
else goes to its type's handler in :mod:`likeledger.handlers`, dispatched from one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, NamedTuple

from .events import Event
from .handlers import HANDLERS
from .model import ACTIVE, DELETED, Edge, State, User, Video
from .rules import cause_of, refusal

Status = Literal["accepted", "stale", "duplicate", "refused"]
VIDEO: Final = "video"
CREATOR: Final = "creator"


class Change(NamedTuple):
    """A journal entry before it gets its sequence number: subject, delta and cause."""

    kind: str  # VIDEO or CREATOR
    subject: int
    delta: int
    cause: str


@dataclass(slots=True)
class Outcome:
    status: Status
    code: str | None = None
    message: str | None = None
    changes: list[Change] = field(default_factory=list)


# Shared outcomes of the hot path (outcomes are read, never changed, by their callers).
_ACCEPTED: Final = Outcome("accepted")
_STALE: Final = Outcome("stale")
_DUPLICATE: Final = Outcome("duplicate")


class Deltas:
    """Accumulates one event's count changes and keeps the rows' counters in step.

    The general path's handlers (:mod:`likeledger.handlers`) charge every count they move here.
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self.by_subject: dict[tuple[str, int], int] = {}

    def video(self, video: Video, delta: int) -> None:
        video.likes += delta
        self.state.touch(video)
        self._add(VIDEO, video.id, delta)
        if video.in_total:
            self.total(self.state.user_by_id(video.creator), delta)

    def total(self, creator: User, delta: int) -> None:
        creator.total += delta
        self.state.touch(creator)
        self._add(CREATOR, creator.id, delta)

    def _add(self, kind: str, subject: int, delta: int) -> None:
        key = (kind, subject)
        self.by_subject[key] = self.by_subject.get(key, 0) + delta

    def entries(self, cause: str) -> list[Change]:
        return [Change(k, s, d, cause) for (k, s), d in self.by_subject.items() if d]


def apply(state: State, event: Event) -> Outcome:
    """Decide and apply ``event``; the caller records the ledger row when not refused."""
    if event.type in _LIKE_TYPES:
        fast = _plain_like(state, event)
        if fast is not None:
            return fast
    if event.key is not None:
        seen = state.seen_key(event.key)
        if seen is not None:
            if seen == event.content:
                return _DUPLICATE
            return Outcome(
                "refused", "id_conflict", f"id {event.key!r} was already used for other content"
            )
    refused = refusal(state, event)
    if refused is not None:
        return Outcome("refused", refused.code, refused.message)
    deltas = Deltas(state)
    status = HANDLERS[event.type](state, event, deltas)
    return Outcome(status, changes=deltas.entries(cause_of(event)))


_LIKE_TYPES: Final = frozenset(("like", "unlike"))
_new = tuple.__new__


@dataclass(frozen=True, slots=True)
class AccountFlip:
    """An accepted account-wide change that moves every countable like of one account the
    same way (+1 or -1). A store may apply it set-based instead of like by like."""

    user: User
    column: str  # "status" or "flagged"
    value: str | bool
    delta: int
    cause: str


def account_flip(state: State, event: Event) -> AccountFlip | None:
    """The flip ``event`` would cause, or None when it is refused, a duplicate, changes no
    count, or needs the general path (blocks to consider, videos to delete)."""
    is_status = event.type == "account.status"
    if not (is_status or (event.type in _FLAG_TYPES and "video" not in event.data)):
        return None
    if (event.key is not None and state.seen_key(event.key) is not None) or refusal(state, event):
        return None
    user = state.user(event.data["user"])
    if user is None or user.blocks:
        return None
    if is_status:
        status = event.data["status"]
        if status == DELETED or user.flagged or (user.status == ACTIVE) == (status == ACTIVE):
            return None
        return AccountFlip(user, "status", status, 1 if status == ACTIVE else -1, cause_of(event))
    on = event.type == "integrity.flag"
    if user.flagged == on or user.status != ACTIVE:
        return None
    return AccountFlip(user, "flagged", on, -1 if on else 1, cause_of(event))


_FLAG_TYPES: Final = frozenset(("integrity.flag", "integrity.clear"))


def _plain_like(state: State, event: Event) -> Outcome | None:
    """The common case of a like/unlike, decided with a handful of dict lookups.

    Returns None whenever anything is unusual (a known id, an inactive, flagged or blocking
    account, a hidden or moderated video, ...) and the general path below decides instead.
    It must agree with that path exactly; the property tests hold both to the recompute.
    """
    if event.key is not None and state.seen_key(event.key) is not None:
        return None
    data = event.data
    video = state.video(data["video"])
    if video is None or video.deleted:
        return None
    user = state.user(data["user"])
    if user is not None and (user.status != ACTIVE or user.flagged or user.blocks):
        return None
    creator = state.user_by_id(video.creator)
    is_like = event.type == "like"
    hidden = creator.status != ACTIVE or video.visibility != "public" or video.moderation
    if is_like and hidden and (user is None or user.id != creator.id):
        return None
    edge = _newer_edge(state, data["user"], user, video, event.ts)
    if edge is None:
        return _STALE
    before = edge.liked and not edge.flagged
    edge.liked, edge.ts = is_like, event.ts
    if before == (is_like and not edge.flagged):
        return _ACCEPTED
    return _counted(state, video, creator, 1 if is_like else -1)


def _newer_edge(state: State, name: str, user: User | None, video: Video, ts: int) -> Edge | None:
    """The (user, video) edge to overwrite, created if new (the account too); None when
    the stored edge is newer than ``ts`` (a stale like/unlike)."""
    if user is None:
        return state.add_edge(state.add_user(name), video)
    edge = state.edge(user, video)
    if edge is None:
        return state.add_edge(user, video)
    if edge.ts is not None and ts < edge.ts:
        return None
    state.touch(edge)
    return edge


def _counted(state: State, video: Video, creator: User, delta: int) -> Outcome:
    """A plain like (+1) or unlike (-1) that moves the count, and the total if it counts."""
    cause = "like" if delta > 0 else "unlike"
    video.likes += delta
    state.touch(video)
    # tuple.__new__ builds the named tuple without its Python-level __new__: half the cost,
    # and this runs for most events.
    changes = [_new(Change, (VIDEO, video.id, delta, cause))]
    if video.in_total:
        creator.total += delta
        state.touch(creator)
        changes.append(_new(Change, (CREATOR, creator.id, delta, cause)))
    return Outcome("accepted", changes=changes)
