"""Backend-neutral working set: a write-back cache of state rows implementing ``State``.

A store opens one per write transaction. Rows are loaded on first use through the small
loader methods a backend implements, mutated by the pure engine, and written back by
``flush_state`` (before any cascade query, and at commit). The cache may outlive a
transaction when the backend proves no other writer committed in between.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from ..engine import CREATOR, Outcome
from ..events import Event
from ..model import Edge, LikeRef, User, Video
from ..rules import CAUSES

HOUR_MS = 3_600_000
KIND_CODES = {"video": 0, CREATOR: 1}
CAUSE_CODES = {cause: code for code, cause in enumerate(CAUSES)}
Content = tuple[str, int, bytes]


class RowCache:
    """Rows known to be current; kept across transactions while this process is the only writer."""

    MAX_ROWS = 3_000_000

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.users_by_id: dict[int, User] = {}
        self.videos: dict[str, Video] = {}
        self.videos_by_id: dict[int, Video] = {}
        self.edges: dict[tuple[int, int], Edge | None] = {}
        self.blocks: dict[tuple[int, int], bool] = {}
        self.follows: dict[tuple[int, int], bool] = {}
        self.next_user_id = 0
        self.next_video_id = 0
        self.head = 0
        self.valid = False

    def size(self) -> int:
        return (
            len(self.users)
            + len(self.videos)
            + len(self.edges)
            + len(self.blocks)
            + len(self.follows)
        )

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]


class WorkingSet(ABC):
    """Implements :class:`likeledger.model.State` over a :class:`RowCache` and a backend."""

    def __init__(self, cache: RowCache) -> None:
        self.cache = cache
        self.dirty_users: set[User] = set()
        self.dirty_videos: set[Video] = set()
        self.dirty_edges: set[Edge] = set()
        self.dirty_blocks: dict[tuple[int, int], bool] = {}
        self.dirty_follows: dict[tuple[int, int], bool] = {}
        self.keys: dict[str, Content | None] = {}
        self.ledger_rows: list[tuple[int, str | None, str, int, bytes, int]] = []
        self.journal_rows: list[tuple[int, int, int, int, int, int]] = []
        self.rollup: dict[tuple[int, int, int, int], list[int]] = {}
        self.impressions: dict[tuple[int, int, str], int] = {}

    # -- loaders a backend provides -------------------------------------------------
    @abstractmethod
    def load_user(self, name: str | None, uid: int | None) -> User | None: ...
    @abstractmethod
    def load_video(self, name: str | None, vid: int | None) -> Video | None: ...
    @abstractmethod
    def load_edge(self, user: int, creator: int, video: int) -> Edge | None: ...
    @abstractmethod
    def load_pair(self, table: str, first: int, second: int) -> bool: ...
    @abstractmethod
    def query_liked_edges(self, user: int, creator: int | None) -> list[LikeRef]: ...
    @abstractmethod
    def query_video_ids_of(self, creator: int) -> list[int]: ...
    @abstractmethod
    def load_keys(self, keys: list[str]) -> dict[str, Content]: ...
    @abstractmethod
    def write_log(self) -> None:
        """Persist ledger rows, journal rows, hourly roll-ups and impressions."""

    @abstractmethod
    def write_state(self) -> None:
        """Persist the dirty rows (users, videos, edges, blocks, follows) in this transaction."""

    # -- State ----------------------------------------------------------------------
    def user(self, name: str) -> User | None:
        user = self.cache.users.get(name)
        if user is None:
            user = self.load_user(name, None)
            if user is not None:
                self._cache_user(user)
        return user

    def user_by_id(self, uid: int) -> User:
        user = self.cache.users_by_id.get(uid)
        if user is None:
            user = self.load_user(None, uid)
            if user is None:
                raise LookupError(f"user id {uid} is missing")
            self._cache_user(user)
        return user

    def add_user(self, name: str) -> User:
        self.cache.next_user_id += 1
        user = User(self.cache.next_user_id, name)
        self._cache_user(user)
        self.dirty_users.add(user)
        return user

    def video(self, name: str) -> Video | None:
        video = self.cache.videos.get(name)
        if video is None:
            video = self.load_video(name, None)
            if video is not None:
                self._cache_video(video)
        return video

    def video_by_id(self, vid: int) -> Video:
        video = self.cache.videos_by_id.get(vid)
        if video is None:
            video = self.load_video(None, vid)
            if video is None:
                raise LookupError(f"video id {vid} is missing")
            self._cache_video(video)
        return video

    def add_video(self, name: str, creator: User, visibility: str) -> Video:
        self.cache.next_video_id += 1
        video = Video(self.cache.next_video_id, name, creator.id, visibility)
        self._cache_video(video)
        self.dirty_videos.add(video)
        return video

    def edge(self, user: User, video: Video) -> Edge | None:
        key = (user.id, video.id)
        if key in self.cache.edges:
            return self.cache.edges[key]
        edge = self.load_edge(user.id, video.creator, video.id)
        self.cache.edges[key] = edge
        return edge

    def add_edge(self, user: User, video: Video) -> Edge:
        edge = Edge(user.id, video.id, video.creator)
        self.cache.edges[(user.id, video.id)] = edge
        self.dirty_edges.add(edge)
        return edge

    def blocked(self, blocker: int, blocked: int) -> bool:
        return self._pair(self.cache.blocks, "blocks", blocker, blocked)

    def set_blocked(self, blocker: int, blocked: int, on: bool) -> None:
        self.cache.blocks[(blocker, blocked)] = on
        self.dirty_blocks[(blocker, blocked)] = on

    def follows(self, follower: int, followee: int) -> bool:
        return self._pair(self.cache.follows, "follows", follower, followee)

    def set_follows(self, follower: int, followee: int, on: bool) -> None:
        self.cache.follows[(follower, followee)] = on
        self.dirty_follows[(follower, followee)] = on

    def liked_edges(self, user: User, creator: User | None = None) -> list[LikeRef]:
        self.flush_state()
        return self.query_liked_edges(user.id, creator.id if creator is not None else None)

    def videos_of(self, creator: User) -> list[Video]:
        self.flush_state()
        videos = [self.video_by_id(vid) for vid in self.query_video_ids_of(creator.id)]
        return [video for video in videos if not video.deleted]

    def touch(self, row: User | Video | Edge) -> None:
        if isinstance(row, Edge):
            self.dirty_edges.add(row)
        elif isinstance(row, Video):
            self.dirty_videos.add(row)
        else:
            self.dirty_users.add(row)

    def flush_state(self) -> None:
        """Write dirty rows so that set-based queries in this transaction see them."""
        if (
            self.dirty_users
            or self.dirty_videos
            or self.dirty_edges
            or self.dirty_blocks
            or self.dirty_follows
        ):
            self.write_state()
            self.dirty_users.clear()
            self.dirty_videos.clear()
            self.dirty_edges.clear()
            self.dirty_blocks.clear()
            self.dirty_follows.clear()

    def seen_key(self, key: str) -> Content | None:
        if key not in self.keys:
            self.keys[key] = self.load_keys([key]).get(key)
        return self.keys[key]

    def prefetch_keys(self, keys: Iterable[str]) -> None:
        """Look up many idempotency keys at once (one query per chunk, not per event)."""
        missing = [key for key in set(keys) if key not in self.keys]
        found = self.load_keys(missing)
        for key in missing:
            self.keys[key] = found.get(key)

    def add_impressions(self, video: Video, ts: int, count: int, version: str | None) -> None:
        key = (video.id, ts // HOUR_MS, version or "")
        self.impressions[key] = self.impressions.get(key, 0) + count

    def record(self, event: Event, outcome: Outcome) -> int:
        """Give an accepted (or stale) event its sequence number and queue its rows."""
        seq = self.cache.head = self.cache.head + 1
        content = event.content
        self.ledger_rows.append(
            (seq, event.key, event.type, event.ts, content[2], int(outcome.status == "stale"))
        )
        if event.key is not None:
            self.keys[event.key] = content
        hour = event.ts // HOUR_MS
        for change in outcome.changes:
            kind, cause = KIND_CODES[change.kind], CAUSE_CODES[change.cause]
            self.journal_rows.append((kind, change.subject, event.ts, seq, change.delta, cause))
            slot = (kind, change.subject, hour, cause)
            total = self.rollup.get(slot)
            if total is None:
                self.rollup[slot] = [change.delta, 1]
            else:
                total[0] += change.delta
                total[1] += 1
        return seq

    def record_repair(self, kind: str, subject: int, *, seq: int, ts: int, delta: int) -> None:
        """Queue a ``repair`` journal entry written by reconciliation."""
        kind_code, cause = KIND_CODES[kind], CAUSE_CODES["repair"]
        self.journal_rows.append((kind_code, subject, ts, seq, delta, cause))
        slot = (kind_code, subject, ts // HOUR_MS, cause)
        total = self.rollup.setdefault(slot, [0, 0])
        total[0] += delta
        total[1] += 1

    def flush(self) -> None:
        """Write everything pending; called once at commit."""
        self.flush_state()
        self.write_log()

    # -- helpers --------------------------------------------------------------------
    def _pair(
        self, cache: dict[tuple[int, int], bool], table: str, first: int, second: int
    ) -> bool:
        key = (first, second)
        found = cache.get(key)
        if found is None:
            found = cache[key] = self.load_pair(table, first, second)
        return found

    def _cache_user(self, user: User) -> None:
        self.cache.users[user.name] = user
        self.cache.users_by_id[user.id] = user

    def _cache_video(self, video: Video) -> None:
        self.cache.videos[video.name] = video
        self.cache.videos_by_id[video.id] = video
