"""Plain state rows and the read/write view of state the pure rules run against.

The rows are mutable plain data; a store's working set hands them out and persists the
ones marked with :meth:`State.touch`. Internal integer ids keep indexes small; external
names are the strings of the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

ACTIVE = "active"
DELETED = "deleted"
REMOVED = "removed"
RESTRICTED = "restricted"


@dataclass(slots=True, eq=False)
class User:
    """An account: its status, its account-level integrity flag and its profile total."""

    id: int
    name: str
    status: str = ACTIVE
    flagged: bool = False
    total: int = 0
    blocks: int = 0  # block rows naming this account either way: 0 means no lookup needed
    entries: int = 0  # journal entries about its total


@dataclass(slots=True, eq=False)
class Video:
    """A video: owner, audience, moderation state (None, removed, restricted) and like count."""

    id: int
    name: str
    creator: int
    visibility: str = "public"
    moderation: str | None = None
    deleted: bool = False
    likes: int = 0
    entries: int = 0  # journal entries about its count

    @property
    def in_total(self) -> bool:
        """Whether this video's likes count towards its creator's profile total."""
        return not self.deleted and self.moderation != REMOVED


@dataclass(slots=True, eq=False)
class Edge:
    """The (user, video) pair: last-writer-wins like state and the like-level flag."""

    user: int
    video: int
    creator: int
    liked: bool = False
    ts: int | None = None
    flagged: bool = False


class LikeRef(NamedTuple):
    """A liked edge as returned by cascade lookups."""

    video: int
    creator: int
    flagged: bool


class State(Protocol):
    """What the pure rules may read and change. Stores implement it over their working set."""

    def user(self, name: str) -> User | None: ...
    def user_by_id(self, uid: int) -> User: ...
    def add_user(self, name: str) -> User: ...
    def video(self, name: str) -> Video | None: ...
    def video_by_id(self, vid: int) -> Video: ...
    def add_video(self, name: str, creator: User, visibility: str) -> Video: ...
    def edge(self, user: User, video: Video) -> Edge | None: ...
    def add_edge(self, user: User, video: Video) -> Edge: ...
    def blocked(self, blocker: int, blocked: int) -> bool: ...
    def set_blocked(self, blocker: User, blocked: User, on: bool) -> None: ...
    def follows(self, follower: int, followee: int) -> bool: ...
    def set_follows(self, follower: int, followee: int, on: bool) -> None: ...
    def liked_edges(self, user: User, creator: User | None = None) -> list[LikeRef]: ...
    def videos_of(self, creator: User) -> list[Video]: ...
    def touch(self, row: User | Video | Edge) -> None: ...
    def add_impressions(self, video: Video, ts: int, count: int, version: str | None) -> None: ...
    def seen_key(self, key: str) -> tuple[str, int, bytes] | None: ...
