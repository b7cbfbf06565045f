"""PostgreSQL rows: the working set's loaders and the ingest pipeline that feeds it.

Loads are one indexed lookup or one ``= ANY`` query each and go through ``conn`` (the
reader); writes (``postgres_sql.write_rows``) go through ``writer``: the same connection in
synchronous mode, different ones when ingest is pipelined.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..events import Event
from ..model import Edge, LikeRef, User, Video
from .postgres_sql import PAIRS, Checkpoint, translate_errors, write_rows
from .workingset import EDGE_ROW, Content, PendingRows, RowCache, WorkingSet

if TYPE_CHECKING:
    from psycopg import Connection

    Conn = Connection[tuple[Any, ...]]

_USER = "u.user_id, u.name, u.status, u.flagged, u.total, u.blocks, u.entries"
_VIDEO = (
    "v.video_id, v.name, v.creator_id, v.visibility, v.moderation, v.deleted, v.likes, v.entries"
)
_BY_USER_NAME = f"SELECT {_USER} FROM user_names n JOIN users u ON u.user_id = n.user_id WHERE "
_BY_VIDEO_NAME = (
    f"SELECT {_VIDEO} FROM video_names n JOIN videos v ON v.video_id = n.video_id WHERE "
)


_BLOCKS = frozenset(("block", "unblock"))
_ACCOUNT_WIDE = frozenset(("account.status", "integrity.flag", "integrity.clear"))
_LIKES = frozenset(("like", "unlike"))


def _user(r: Sequence[Any]) -> User:
    return User(r[0], r[1], r[2], r[3], r[4], r[5], r[6])


def _video(r: Sequence[Any]) -> Video:
    return Video(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


class PostgresWorkingSet(WorkingSet):
    """Loaders and the bulk writer of the working set, in PostgreSQL's dialect."""

    def __init__(
        self,
        conn: Conn,
        cache: RowCache,
        *,
        writer: Conn | None = None,
        previous: WorkingSet | None = None,
    ) -> None:
        super().__init__(cache, previous)
        self.conn = conn
        self.writer = writer or conn
        self.new_edges: set[Edge] = set()  # edges added since prepare: no stored row yet
        self.stored_likes: dict[int, list[LikeRef]] = {}  # prefetched query_liked_edges
        # Accounts with a larger id were created in this batch, after its prefetch: they
        # have no stored rows to look up. (No prefetch, no such accounts.)
        self.created_after = sys.maxsize
        self.checkpoint: Checkpoint | None = None  # set by a projector: committed with the batch

    # -- what this backend adds to the shared working set --------------------------------
    def add_edge(self, user: User, video: Video) -> Edge:
        """An edge no stored row has: its row can be appended, not upserted."""
        edge = super().add_edge(user, video)
        self.new_edges.add(edge)
        return edge

    def prepare(self) -> PendingRows:
        """The base rows, with the new edges first and counted in ``fresh_edges``."""
        fresh, self.new_edges = self.new_edges, set()
        self.dirty_edges -= fresh
        fresh_rows = list(map(EDGE_ROW, fresh))
        rows = super().prepare()
        rows.edges = fresh_rows + rows.edges
        rows.fresh_edges = len(fresh_rows)
        return rows

    def write(self, rows: PendingRows) -> None:
        write_rows(self.writer.cursor(), rows)

    def prefetch(self, events: list[Event]) -> None:
        """Also fetch, in two queries, what cascades would otherwise ask one round trip at a
        time: block pairs, and the stored liked edges of accounts that change status, get an
        account flag, block or get blocked. Only rows absent from the cache are fetched."""
        super().prefetch(events)
        self.created_after = self.cache.next_user_id  # ids are handed out in increasing order
        pairs, accounts = self._cascade_subjects(events)
        self._prefetch_blocks([pair for pair in pairs if pair not in self.cache.blocks])
        if accounts:
            sql = "SELECT user_id, video_id, creator_id, flagged FROM likes "
            for uid, vid, creator, flagged in self._rows(
                sql + "WHERE user_id = ANY(%s) AND liked", (list(accounts),)
            ):
                self.stored_likes.setdefault(uid, []).append(LikeRef(vid, creator, flagged))
            self.stored_likes.update({uid: [] for uid in accounts - self.stored_likes.keys()})

    def _cascade_subjects(self, events: list[Event]) -> tuple[set[tuple[int, int]], set[int]]:
        """(block pairs to look up, accounts whose liked edges cascades will ask for)."""
        users, videos, blocking = self.cache.users, self.cache.videos, self.cache.blocking
        pairs: set[tuple[int, int]] = set()
        accounts: set[int] = set()
        for event in events:
            data, etype = event.data, event.type
            if etype in _LIKES:  # most events: nothing to do unless the liker has blocks
                if data["user"] in blocking:
                    user, video = users.get(data["user"]), videos.get(data["video"])
                    if user is not None and video is not None:
                        pairs.update(((user.id, video.creator), (video.creator, user.id)))
            elif etype in _BLOCKS:
                a, b = users.get(data["blocker"]), users.get(data["blocked"])
                if a is not None and b is not None:
                    pairs.update(((a.id, b.id), (b.id, a.id)))
                # Each known side's likes, even when the other side is new in this batch.
                accounts.update(user.id for user in (a, b) if user is not None)
            elif etype in _ACCOUNT_WIDE and "video" not in data:
                user = users.get(data["user"])
                if user is not None:
                    accounts.add(user.id)
        return pairs, accounts

    def _prefetch_blocks(self, pairs: list[tuple[int, int]]) -> None:
        if not pairs:
            return
        found = self._rows(
            "SELECT b.blocker_id, b.blocked_id FROM unnest(%s::bigint[], %s::bigint[]) "
            "AS k(a, b) JOIN blocks b ON b.blocker_id = k.a AND b.blocked_id = k.b",
            ([a for a, _ in pairs], [b for _, b in pairs]),
        )
        known = {(a, b) for a, b in found}
        for pair in pairs:
            self.cache.blocks[pair] = pair in known

    # -- loaders -------------------------------------------------------------------------

    def _rows(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        with translate_errors("reading"):
            return self.conn.execute(sql, args).fetchall()

    def load_user(self, name: str | None, uid: int | None) -> User | None:
        if name is not None:
            rows = self._rows(_BY_USER_NAME + "n.name = %s", (name,))
        else:
            rows = self._rows(f"SELECT {_USER} FROM users u WHERE u.user_id = %s", (uid,))
        return _user(rows[0]) if rows else None

    def load_video(self, name: str | None, vid: int | None) -> Video | None:
        if name is not None:
            rows = self._rows(_BY_VIDEO_NAME + "n.name = %s", (name,))
        else:
            rows = self._rows(f"SELECT {_VIDEO} FROM videos v WHERE v.video_id = %s", (vid,))
        return _video(rows[0]) if rows else None

    def load_edge(self, user: int, creator: int, video: int) -> Edge | None:
        rows = self._rows(
            "SELECT liked, ts, flagged FROM likes WHERE video_id = %s AND user_id = %s",
            (video, user),
        )
        return Edge(user, video, creator, *rows[0]) if rows else None

    def _unstored(self, *uids: int) -> bool:
        """Whether one of these accounts is created in this very batch (so has no rows)."""
        return any(uid > self.created_after for uid in uids)

    def load_pair(self, table: str, first: int, second: int) -> bool:
        if self._unstored(first, second):
            return False
        a, b = PAIRS[table]
        return bool(
            self._rows(f"SELECT 1 FROM {table} WHERE {a} = %s AND {b} = %s", (first, second))
        )

    def query_liked_edges(self, user: int, creator: int | None) -> list[LikeRef]:
        stored = self.stored_likes.get(user)
        if stored is not None:
            return [ref for ref in stored if creator is None or ref.creator == creator]
        if self._unstored(user):
            return []
        sql = "SELECT video_id, creator_id, flagged FROM likes WHERE user_id = %s AND liked"
        args: tuple[int, ...] = (user,)
        if creator is not None:
            sql, args = sql + " AND creator_id = %s", (user, creator)
        return [LikeRef(v, c, f) for v, c, f in self._rows(sql, args)]

    def query_video_ids_of(self, creator: int) -> list[int]:
        sql = "SELECT video_id FROM videos WHERE creator_id = %s AND NOT deleted"
        return [row[0] for row in self._rows(sql, (creator,))]

    def load_users(self, names: list[str]) -> list[User]:
        rows = self._rows(_BY_USER_NAME + "n.name = ANY(%s)", (names,)) if names else []
        return [_user(r) for r in rows]

    def load_videos(self, names: list[str]) -> list[Video]:
        rows = self._rows(_BY_VIDEO_NAME + "n.name = ANY(%s)", (names,)) if names else []
        return [_video(r) for r in rows]

    def load_videos_by_id(self, ids: list[int]) -> list[Video]:
        sql = f"SELECT {_VIDEO} FROM videos v WHERE v.video_id = ANY(%s)"
        return [_video(r) for r in self._rows(sql, (ids,))] if ids else []

    def load_edges(self, triples: list[tuple[int, int, int]]) -> list[Edge]:
        if not triples:
            return []
        rows = self._rows(
            "SELECT l.user_id, l.video_id, l.creator_id, l.liked, l.ts, l.flagged "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS k(u, v) "
            "JOIN likes l ON l.video_id = k.v AND l.user_id = k.u",
            ([t[0] for t in triples], [t[2] for t in triples]),
        )
        return [Edge(*row) for row in rows]

    def load_keys(self, keys: list[str]) -> dict[str, Content]:
        if not keys:
            return {}
        rows = self._rows("SELECT key, type, ts, payload FROM ledger WHERE key = ANY(%s)", (keys,))
        return {key: (etype, ts, bytes(payload)) for key, etype, ts, payload in rows}
