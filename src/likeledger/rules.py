"""Pure rules: refusal checks 3-9, visibility, the counting predicate and cause names.

Everything here reads a :class:`~likeledger.model.State` and returns plain values; no I/O,
no clock. Checks 1-2 (invalid_event, id_conflict) and duplicates live in events/engine.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from .events import ACTOR_FIELD, USER_FIELDS, Event
from .model import ACTIVE, DELETED, REMOVED, RESTRICTED, State, User, Video

CAUSES: Final = (
    "like",
    "unlike",
    "block",
    "unblock",
    "integrity_flag",
    "integrity_clear",
    "video_deleted",
    "account_active",
    "account_deactivated",
    "account_suspended",
    "account_banned",
    "account_deleted",
    "moderation_remove",
    "moderation_restrict",
    "moderation_restore",
    "repair",
)
REFUSAL_CODES: Final = (
    "invalid_event",
    "id_conflict",
    "self_reference",
    "account_deleted",
    "unknown_video",
    "video_deleted",
    "video_exists",
    "account_inactive",
    "not_visible",
)
HIDDEN_REASONS: Final = (
    "deleted",
    "creator_inactive",
    "removed",
    "blocked",
    "private",
    "friends_only",
    "restricted",
)


class Refusal(NamedTuple):
    code: str
    message: str


def cause_of(event: Event) -> str:
    """The journal cause an event's count changes are filed under (SEMANTICS.md section 6)."""
    if event.type == "account.status":
        return f"account_{event.data['status']}"
    if event.type == "moderation":
        return f"moderation_{event.data['action']}"
    return event.type.replace(".", "_")


def like_counts(liked: bool, like_flagged: bool, liker: User, blocked_between: bool) -> bool:
    """SEMANTICS.md section 4: whether one like counts."""
    return (
        liked
        and liker.status == ACTIVE
        and not liker.flagged
        and not like_flagged
        and not blocked_between
    )


def blocked_between(state: State, a: User, b: User) -> bool:
    """A block between two accounts, in either direction."""
    if not (a.blocks and b.blocks):  # most accounts never block nor get blocked
        return False
    return state.blocked(a.id, b.id) or state.blocked(b.id, a.id)


def hidden_reason(state: State, video: Video, viewer_name: str) -> str | None:
    """Why ``viewer_name`` may not see ``video`` (section 5), or None when visible."""
    if video.deleted:
        return "deleted"
    creator = state.user_by_id(video.creator)
    if viewer_name == creator.name:
        return None
    if creator.status != ACTIVE:
        return "creator_inactive"
    if video.moderation == REMOVED:
        return "removed"
    viewer = state.user(viewer_name)
    if viewer is not None and blocked_between(state, viewer, creator):
        return "blocked"
    if video.visibility == "private":
        return "private"
    if video.visibility == "friends" and not (
        viewer is not None
        and state.follows(viewer.id, creator.id)
        and state.follows(creator.id, viewer.id)
    ):
        return "friends_only"
    if video.moderation == RESTRICTED and not (
        viewer is not None and state.follows(viewer.id, creator.id)
    ):
        return "restricted"
    return None


def refusal(state: State, event: Event) -> Refusal | None:
    """Checks 3-9 of SEMANTICS.md section 3, in order; the first failure names the code."""
    for check in _CHECKS:
        found = check(state, event)
        if found is not None:
            return found
    return None


def _self_reference(_: State, event: Event) -> Refusal | None:
    pair = _PAIR_FIELDS.get(event.type)
    if pair and event.data[pair[0]] == event.data[pair[1]]:
        return Refusal(
            "self_reference", f"{pair[0]} and {pair[1]} are both {event.data[pair[0]]!r}"
        )
    return None


def _account_deleted(state: State, event: Event) -> Refusal | None:
    for field in USER_FIELDS:
        name = event.data.get(field)
        if name is not None:
            user = state.user(name)
            if user is not None and user.status == DELETED:
                return Refusal("account_deleted", f"account {name!r} ({field}) is deleted")
    return None


def _video_known(state: State, event: Event) -> Refusal | None:
    name = event.data.get("video")
    if name is None or event.type == "video.published":
        return None
    video = state.video(name)
    if video is None:
        return Refusal("unknown_video", f"video {name!r} was never published")
    if video.deleted:
        return Refusal("video_deleted", f"video {name!r} is deleted")
    return None


def _video_exists(state: State, event: Event) -> Refusal | None:
    if event.type == "video.published" and state.video(event.data["video"]) is not None:
        return Refusal("video_exists", f"video {event.data['video']!r} was already published")
    return None


def _account_inactive(state: State, event: Event) -> Refusal | None:
    field = ACTOR_FIELD.get(event.type)
    if field is None:
        return None
    actor = state.user(event.data[field])
    if actor is not None and actor.status != ACTIVE:
        return Refusal("account_inactive", f"account {actor.name!r} ({field}) is {actor.status}")
    return None


def _not_visible(state: State, event: Event) -> Refusal | None:
    if event.type != "like":
        return None
    video = state.video(event.data["video"])
    assert video is not None  # guaranteed by _video_known
    reason = hidden_reason(state, video, event.data["user"])
    if reason is None:
        return None
    return Refusal(
        "not_visible", f"video {video.name!r} is not visible to {event.data['user']!r}: {reason}"
    )


_PAIR_FIELDS: Final = {
    "follow": ("follower", "followee"),
    "unfollow": ("follower", "followee"),
    "block": ("blocker", "blocked"),
    "unblock": ("blocker", "blocked"),
}
_CHECKS: Final = (
    _self_reference,
    _account_deleted,
    _video_known,
    _video_exists,
    _account_inactive,
    _not_visible,
)
