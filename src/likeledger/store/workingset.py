"""Backend-neutral working set: a write-back cache of state rows implementing ``State``.

A store opens one per batch. Rows are loaded on first use (or prefetched per batch) through
the small loader methods a backend implements, mutated by the pure engine, and snapshotted
by ``prepare`` into plain rows the backend's ``write`` commits. Cascade queries overlay the
batch's (and the in-flight batch's) unwritten edges. The cache may outlive a transaction
when the backend proves no other writer committed in between.

``WorkingSet`` holds the ``State`` methods and the cache plumbing; it inherits batch prefetch
from :mod:`~likeledger.store.prefetch` and ledger/journal/roll-up recording from
:mod:`~likeledger.store.batchrows`, mixins kept apart only to keep each module small.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from operator import attrgetter

from ..model import Edge, LikeRef, User, Video
from .batchrows import BatchRecorder
from .prefetch import Prefetcher
from .rows import CAUSE_CODES, HOUR_MS, KIND_CODES, ROLLUP_FROM, Content, PendingRows, RowCache

# Re-exported: backends import these from here as well as from .rows.
__all__ = [
    "CAUSE_CODES",
    "HOUR_MS",
    "KIND_CODES",
    "ROLLUP_FROM",
    "Content",
    "PendingRows",
    "RowCache",
    "WorkingSet",
]


# An edge's row as ``PendingRows.edges`` holds it (a C-level getter: one per changed edge).
EDGE_ROW = attrgetter("user", "creator", "video", "liked", "ts", "flagged")


class WorkingSet(Prefetcher, BatchRecorder, ABC):
    """Implements :class:`likeledger.model.State` over a :class:`RowCache` and a backend."""

    def __init__(self, cache: RowCache, previous: WorkingSet | None = None) -> None:
        self.cache = cache
        # The batches still being committed, newest first through ``previous`` (the pipeline
        # cuts the chain at its depth): their pending rows and keys overlay ours.
        self.previous = previous
        self.dirty_users: set[User] = set()
        self.dirty_videos: set[Video] = set()
        self.dirty_edges: set[Edge] = set()
        self.dirty_edges_by_user: dict[int, list[Edge]] = {}
        self.new_videos_by_creator: dict[int, list[Video]] = {}
        self.dirty_blocks: dict[tuple[int, int], bool] = {}
        self.dirty_follows: dict[tuple[int, int], bool] = {}
        self.keys: dict[str, Content | None] = {}
        self.ledger_rows: list[tuple[int, str | None, str, int, bytes, int]] = []
        self.journal_rows: list[tuple[int, int, int, int, int, int]] = []
        self.rollup: dict[tuple[int, int, int, int], list[int]] = {}
        self.backfill: set[tuple[int, int]] = set()
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
    def load_users(self, names: list[str]) -> list[User]: ...
    @abstractmethod
    def load_videos(self, names: list[str]) -> list[Video]: ...
    @abstractmethod
    def load_edges(self, triples: list[tuple[int, int, int]]) -> list[Edge]: ...
    @abstractmethod
    def load_videos_by_id(self, ids: list[int]) -> list[Video]: ...
    @abstractmethod
    def write(self, rows: PendingRows) -> None:
        """Persist one batch's prepared rows; runs inside the batch's write transaction."""

    # -- State ----------------------------------------------------------------------
    def user(self, name: str) -> User | None:
        user = self.cache.users.get(name)
        if user is None and name not in self.cache.missing_users and self.cache.may_hold("users"):
            user = self.load_user(name, None)
            if user is None:
                self.cache.missing_users.add(name)
            else:
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
        if (
            video is None
            and name not in self.cache.missing_videos
            and self.cache.may_hold("videos")
        ):
            video = self.load_video(name, None)
            if video is None:
                self.cache.missing_videos.add(name)
            else:
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
        self.new_videos_by_creator.setdefault(creator.id, []).append(video)
        return video

    def edge(self, user: User, video: Video) -> Edge | None:
        key = (user.id, video.id)
        if key in self.cache.edges:
            return self.cache.edges[key]
        edge = None
        if user.id <= self.cache.stored_max_user and video.id <= self.cache.stored_max_video:
            edge = self.load_edge(user.id, video.creator, video.id)
        self.cache.edges[key] = edge
        return edge

    def add_edge(self, user: User, video: Video) -> Edge:
        edge = Edge(user.id, video.id, video.creator)
        self.cache.edges[(user.id, video.id)] = edge
        self.touch(edge)
        return edge

    def blocked(self, blocker: int, blocked: int) -> bool:
        return self._pair(self.cache.blocks, "blocks", blocker, blocked)

    def set_blocked(self, blocker: User, blocked: User, on: bool) -> None:
        key = (blocker.id, blocked.id)
        if self.blocked(*key) == on:
            return
        self.cache.blocks[key] = on
        self.dirty_blocks[key] = on
        for user in (blocker, blocked):
            user.blocks += 1 if on else -1
            self.dirty_users.add(user)
            if user.blocks:
                self.cache.blocking.add(user.name)
            else:
                self.cache.blocking.discard(user.name)

    def follows(self, follower: int, followee: int) -> bool:
        return self._pair(self.cache.follows, "follows", follower, followee)

    def set_follows(self, follower: int, followee: int, on: bool) -> None:
        self.cache.follows[(follower, followee)] = on
        self.dirty_follows[(follower, followee)] = on

    def liked_edges(self, user: User, creator: User | None = None) -> list[LikeRef]:
        """Stored liked edges, overlaid with this transaction's unflushed edge changes."""
        only = creator.id if creator is not None else None
        refs = {ref.video: ref for ref in self.query_liked_edges(user.id, only)}
        pending: list[Edge] = []
        for batch in reversed([self, *self.in_flight()]):  # oldest first, ours last
            pending += batch.dirty_edges_by_user.get(user.id, [])
        for edge in pending:
            if only is None or edge.creator == only:
                refs[edge.video] = LikeRef(edge.video, edge.creator, edge.flagged)
                if not edge.liked:
                    del refs[edge.video]
        missing = [vid for vid in refs if vid not in self.cache.videos_by_id]
        for video in self.load_videos_by_id(missing):  # one query per chunk, not one per like
            self._cache_video(video)
        return list(refs.values())

    def videos_of(self, creator: User) -> list[Video]:
        stored = [self.video_by_id(vid) for vid in self.query_video_ids_of(creator.id)]
        fresh: list[Video] = []
        for batch in reversed([self, *self.in_flight()]):
            fresh += batch.new_videos_by_creator.get(creator.id, [])
        unique = {video.id: video for video in stored + fresh}
        return [video for video in unique.values() if not video.deleted]

    def touch(self, row: User | Video | Edge) -> None:
        kind = type(row)
        if kind is Video:
            self.dirty_videos.add(row)  # type: ignore[arg-type]
        elif kind is User:
            self.dirty_users.add(row)  # type: ignore[arg-type]
        elif row not in self.dirty_edges:
            self.dirty_edges.add(row)  # type: ignore[arg-type]
            self.dirty_edges_by_user.setdefault(row.user, []).append(row)  # type: ignore[union-attr,arg-type]

    def prepare(self) -> PendingRows:
        """Snapshot everything pending as plain tuples and start a fresh pending set.

        Taking the values now (not when the writer runs) keeps a pipelined commit exact even
        though the next batch goes on mutating the same cached row objects.
        """
        rows = PendingRows(
            users=[
                (u.id, u.name, u.status, u.flagged, u.total, u.blocks, u.entries)
                for u in self.dirty_users
            ],
            videos=[
                (v.id, v.name, v.creator, v.visibility, v.moderation, v.deleted, v.likes, v.entries)
                for v in self.dirty_videos
            ],
            edges=list(map(EDGE_ROW, self.dirty_edges)),
            blocks=list(self.dirty_blocks.items()),
            follows=list(self.dirty_follows.items()),
            ledger=self.ledger_rows,
            journal=self.journal_rows,
            rollup=[(*slot, delta, n) for slot, (delta, n) in self.rollup.items()],
            backfill=sorted(self.backfill),
            impressions=[(*slot, count) for slot, count in self.impressions.items()],
        )
        self._start_pending()
        return rows

    def _start_pending(self) -> None:
        """Empty pending sets for the next batch (the snapshot keeps the old ones)."""
        self.dirty_users, self.dirty_videos, self.dirty_edges = set(), set(), set()
        self.dirty_blocks, self.dirty_follows = {}, {}
        self.ledger_rows, self.journal_rows, self.rollup, self.impressions = [], [], {}, {}
        self.backfill = set()

    def seen_key(self, key: str) -> Content | None:
        if key not in self.keys:
            content = self.in_flight_key(key)
            self.keys[key] = content if content is not None else self._load_keys([key]).get(key)
        return self.keys[key]

    def in_flight(self) -> Iterator[WorkingSet]:
        """The batches submitted before this one and not known to be committed, newest first."""
        batch = self.previous
        while batch is not None:
            yield batch
            batch = batch.previous

    def in_flight_key(self, key: str) -> Content | None:
        """What an uncommitted earlier batch accepted under ``key`` (not stored yet)."""
        found = (batch.keys.get(key) for batch in self.in_flight())
        return next((content for content in found if content is not None), None)

    def _load_keys(self, keys: list[str]) -> dict[str, Content]:
        """Stored keys among ``keys``; none can be stored when the ledger was empty at load."""
        keys = [key for key in keys if self.cache.may_store_key(key)]
        return self.load_keys(keys) if keys else {}

    def add_impressions(self, video: Video, ts: int, count: int, version: str | None) -> None:
        key = (video.id, ts // HOUR_MS, version or "")
        self.impressions[key] = self.impressions.get(key, 0) + count

    def flush(self) -> None:
        """Write everything pending (synchronous commit path)."""
        self.write(self.prepare())

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
        self.cache.missing_users.discard(user.name)
        self.cache.users[user.name] = user
        self.cache.users_by_id[user.id] = user
        if user.blocks:
            self.cache.blocking.add(user.name)

    def _cache_video(self, video: Video) -> None:
        self.cache.missing_videos.discard(video.name)
        self.cache.videos[video.name] = video
        self.cache.videos_by_id[video.id] = video
