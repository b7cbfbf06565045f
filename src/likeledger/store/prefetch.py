"""Batch prefetch for the working set: load every row a batch will touch up front.

The per-event path of :class:`~likeledger.store.workingset.WorkingSet` asks the backend for
one row at a time; ingesting that way would cost a query or more per event. ``Prefetcher``
reads a whole batch's idempotency keys, accounts, videos and edges with a few set-based
queries and remembers the misses, so the engine then runs on dict lookups. It is a mixin
(``WorkingSet`` inherits it) rather than a helper object so the hot path pays no extra call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..events import USER_FIELDS, Event
from ..model import Edge, User, Video
from .rows import Content, RowCache


class Prefetcher:
    """Set-based loading of one batch's rows into the working set's cache."""

    if TYPE_CHECKING:  # provided by WorkingSet
        cache: RowCache
        keys: dict[str, Content | None]

        def load_keys(self, keys: list[str]) -> dict[str, Content]: ...
        def in_flight_key(self, key: str) -> Content | None: ...
        def load_users(self, names: list[str]) -> list[User]: ...
        def load_videos(self, names: list[str]) -> list[Video]: ...
        def load_edges(self, triples: list[tuple[int, int, int]]) -> list[Edge]: ...
        def _cache_user(self, user: User) -> None: ...
        def _cache_video(self, video: Video) -> None: ...

    def prefetch_keys(self, keys: Iterable[str]) -> None:
        """Look up many idempotency keys at once (one query per chunk, not per event)."""
        known = self.keys
        may_store = self.cache.may_store_key
        written: list[str] = []
        for key in keys:
            if key not in known:
                known[key] = None
                # Not may_store: neither stored nor recorded by this process (in flight or
                # committed), so never seen.
                if may_store(key):
                    written.append(key)
        lookup: list[str] = []
        for key in written:
            content = known[key] = self.in_flight_key(key)  # in-flight keys are not stored yet
            if content is None:
                lookup.append(key)
        found = self.load_keys(lookup) if lookup else {}
        for key in lookup:
            known[key] = found.get(key)

    def prefetch(self, events: list[Event]) -> None:
        """Load every row a batch will touch with a few set-based queries instead of one per event.

        Misses are remembered, so the per-event path asks the database nothing in the common case.
        """
        users, videos = _names(events)
        cache = self.cache
        if cache.may_hold("users"):  # else nothing is stored: every unknown name is new
            self._prefetch_rows(users, cache.users, cache.missing_users, self.load_users)
        if cache.may_hold("videos"):
            self._prefetch_rows(videos, cache.videos, cache.missing_videos, self.load_videos)
        if not self.cache.may_hold("users"):
            return  # no stored users, so no stored edges either
        triples = set(self._stored_edge_candidates(events))
        for edge in self.load_edges(list(triples)):
            self.cache.edges[(edge.user, edge.video)] = edge
        for uid, _, vid in triples:
            self.cache.edges.setdefault((uid, vid), None)

    def _stored_edge_candidates(self, events: list[Event]) -> Iterator[tuple[int, int, int]]:
        """(user, creator, video) of the batch's edges that are not cached and may be stored:
        an edge of a user or video created after the cache was loaded cannot be."""
        cache = self.cache
        users, videos, edges = cache.users, cache.videos, cache.edges
        max_user, max_video = cache.stored_max_user, cache.stored_max_video
        for event in events:
            data = event.data
            if "video" in data and "user" in data:
                user, video = users.get(data["user"]), videos.get(data["video"])
                if (
                    user is not None
                    and video is not None
                    and user.id <= max_user
                    and video.id <= max_video
                    and (user.id, video.id) not in edges
                ):
                    yield user.id, video.creator, video.id

    def _prefetch_rows(
        self,
        names: set[str],
        cached: dict[str, Any],
        missing: set[str],
        load: Callable[[list[str]], list[Any]],
    ) -> None:
        """Load the named rows neither cached nor known missing; remember the names not found."""
        wanted = [name for name in names if name not in cached and name not in missing]
        for row in load(wanted):
            if isinstance(row, User):
                self._cache_user(row)
            else:
                self._cache_video(row)
        missing.update(name for name in wanted if name not in cached)


_PAIR_TYPES = frozenset(("like", "unlike"))


def _names(events: list[Event]) -> tuple[set[str], set[str]]:
    """The account and video names a batch mentions."""
    users: set[str] = set()
    videos: set[str] = set()
    for event in events:
        data = event.data
        if event.type in _PAIR_TYPES:  # the bulk: exactly a user and a video
            users.add(data["user"])
            videos.add(data["video"])
            continue
        for field in USER_FIELDS:
            if field in data:
                users.add(data[field])
        if "video" in data:
            videos.add(data["video"])
    return users, videos
