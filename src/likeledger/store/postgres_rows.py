"""PostgreSQL rows: the working set's loaders and its one bulk writer, plus journal windows.

Loads go through ``conn`` (the reader); writes through ``writer``: the same connection in
synchronous mode, different ones when ingest is pipelined. Writes are set-based: pure
appends (ledger, journal, new users and videos) are binary ``COPY`` straight into their
tables; updates and upserts ``COPY`` into per-connection temp tables first and then run
one ``UPDATE ... FROM`` or ``INSERT ... ON CONFLICT`` each, so a batch of 20,000 events is
a dozen statements, and a hot video's counter is written once per batch, not once per like.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..model import Edge, LikeRef, User, Video
from .workingset import Content, PendingRows, RowCache, WorkingSet

if TYPE_CHECKING:
    from psycopg import Connection, Cursor

    Conn = Connection[tuple[Any, ...]]

_USER = "u.user_id, u.name, u.status, u.flagged, u.total, u.blocks, u.entries"
_VIDEO = (
    "v.video_id, v.name, v.creator_id, v.visibility, v.moderation, v.deleted, v.likes, v.entries"
)
_BY_USER_NAME = f"SELECT {_USER} FROM user_names n JOIN users u ON u.user_id = n.user_id WHERE "
_BY_VIDEO_NAME = (
    f"SELECT {_VIDEO} FROM video_names n JOIN videos v ON v.video_id = n.video_id WHERE "
)
_PAIRS = {"blocks": ("blocker_id", "blocked_id"), "follows": ("follower_id", "followee_id")}
# (table, id column) of each journal kind (likeledger.store.workingset.KIND_CODES).
JOURNALS = (("video_journal", "video_id"), ("creator_journal", "creator_id"))

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS stage_users (LIKE users) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_videos (LIKE videos) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_likes (LIKE likes) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_impressions (LIKE impressions) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_rollup (
    kind smallint, subject bigint, hour bigint, cause smallint, delta bigint, entries bigint
) ON COMMIT DELETE ROWS;
"""
_USER_TYPES = ["int8", "text", "text", "bool", "int8", "int4", "int8"]
_VIDEO_TYPES = ["int8", "text", "int8", "text", "text", "bool", "int8", "int8"]


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

    def _rows(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
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

    def load_pair(self, table: str, first: int, second: int) -> bool:
        a, b = _PAIRS[table]
        return bool(self._rows(f"SELECT 1 FROM {table} WHERE {a} = %s AND {b} = %s", (first, second)))

    def query_liked_edges(self, user: int, creator: int | None) -> list[LikeRef]:
        sql = "SELECT video_id, creator_id, flagged FROM likes WHERE user_id = %s AND liked"
        args: tuple[int, ...] = (user,)
        if creator is not None:
            sql, args = sql + " AND creator_id = %s", (user, creator)
        return [LikeRef(v, c, f) for v, c, f in self._rows(sql, args)]

    def query_video_ids_of(self, creator: int) -> list[int]:
        sql = "SELECT video_id FROM videos WHERE creator_id = %s AND NOT deleted"
        return [row[0] for row in self._rows(sql, (creator,))]

    def load_users(self, names: list[str]) -> list[User]:
        return [_user(r) for r in self._rows(_BY_USER_NAME + "n.name = ANY(%s)", (names,))]

    def load_videos(self, names: list[str]) -> list[Video]:
        return [_video(r) for r in self._rows(_BY_VIDEO_NAME + "n.name = ANY(%s)", (names,))]

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

    def write(self, rows: PendingRows) -> None:
        cur = self.writer.cursor()
        maxima = cur.execute(
            "SELECT (SELECT coalesce(max(user_id), 0) FROM users), "
            "(SELECT coalesce(max(video_id), 0) FROM videos)"
        ).fetchone()
        assert maxima is not None
        _write_named(cur, "user", rows.users, maxima[0], _USER_TYPES)
        _write_named(cur, "video", rows.videos, maxima[1], _VIDEO_TYPES)
        if rows.edges:
            _copy(cur, "stage_likes", _EDGE_COLUMNS, _EDGE_TYPES, rows.edges)
            cur.execute(_UPSERT_LIKES)
        _write_pairs(cur, "blocks", rows.blocks)
        _write_pairs(cur, "follows", rows.follows)
        _copy(cur, "ledger", _LEDGER_COLUMNS, _LEDGER_TYPES, rows.ledger)
        for kind, (table, column) in enumerate(JOURNALS):
            entries = [row[1:] for row in rows.journal if row[0] == kind]
            _copy(cur, table, f"{column}, ts, seq, delta, cause", _JOURNAL_TYPES, entries)
        if rows.rollup:
            _copy(cur, "stage_rollup", "", _ROLLUP_TYPES, rows.rollup)
            for kind, (table, column) in enumerate(JOURNALS):
                cur.execute(_UPSERT_ROLLUP.format(table=table, column=column), (kind,))
        for kind, (table, column) in enumerate(JOURNALS):
            subjects = [subject for k, subject in rows.backfill if k == kind]
            if subjects:
                cur.execute(_BACKFILL.format(table=table, column=column), (subjects,))
        if rows.impressions:
            _copy(cur, "stage_impressions", "", ["int8", "int8", "text", "int8"], rows.impressions)
            cur.execute(_UPSERT_IMPRESSIONS)


_EDGE_COLUMNS = "user_id, creator_id, video_id, liked, ts, flagged"
_EDGE_TYPES = ["int8", "int8", "int8", "bool", "int8", "bool"]
_LEDGER_COLUMNS = "seq, key, type, ts, payload, stale"
_LEDGER_TYPES = ["int8", "text", "text", "int8", "bytea", "bool"]
_JOURNAL_TYPES = ["int8", "int8", "int8", "int8", "int2"]
_ROLLUP_TYPES = ["int2", "int8", "int8", "int2", "int8", "int8"]
_UPSERT_LIKES = (
    "INSERT INTO likes SELECT * FROM stage_likes ON CONFLICT (video_id, user_id) DO UPDATE SET "
    "liked = EXCLUDED.liked, ts = EXCLUDED.ts, flagged = EXCLUDED.flagged"
)
_UPDATE = {
    "user": "UPDATE users t SET status = s.status, flagged = s.flagged, total = s.total, "
    "blocks = s.blocks, entries = s.entries FROM stage_users s WHERE t.user_id = s.user_id",
    "video": "UPDATE videos t SET visibility = s.visibility, moderation = s.moderation, "
    "deleted = s.deleted, likes = s.likes, entries = s.entries FROM stage_videos s "
    "WHERE t.video_id = s.video_id",
}
_UPSERT_ROLLUP = (
    "INSERT INTO {table}_hourly ({column}, hour, cause, delta, entries) "
    "SELECT subject, hour, cause, delta, entries FROM stage_rollup WHERE kind = %s "
    "ON CONFLICT ({column}, hour, cause) DO UPDATE SET "
    "delta = {table}_hourly.delta + EXCLUDED.delta, "
    "entries = {table}_hourly.entries + EXCLUDED.entries"
)
# A subject crossing the roll-up threshold gets its hours summed from its raw rows.
_BACKFILL = (
    "INSERT INTO {table}_hourly ({column}, hour, cause, delta, entries) "
    "SELECT {column}, ts / 3600000, cause, sum(delta), count(*) FROM {table} "
    "WHERE {column} = ANY(%s) GROUP BY 1, 2, 3 ON CONFLICT ({column}, hour, cause) "
    "DO UPDATE SET delta = EXCLUDED.delta, entries = EXCLUDED.entries"
)
_UPSERT_IMPRESSIONS = (
    "INSERT INTO impressions SELECT * FROM stage_impressions "
    "ON CONFLICT (video_id, hour, version) DO UPDATE SET count = impressions.count + EXCLUDED.count"
)


def _copy(cur: Cursor[Any], table: str, columns: str, types: list[str], rows: Iterable[Any]) -> None:
    """Binary COPY of ``rows`` into ``table`` (the fastest bulk path psycopg offers)."""
    if isinstance(rows, list) and not rows:
        return
    listed = f" ({columns})" if columns else ""
    with cur.copy(f"COPY {table}{listed} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _write_named(
    cur: Cursor[Any], kind: str, rows: list[Any], stored_max: int, types: list[str]
) -> None:
    """Users or videos: new ids are appended (row + name directory), known ids updated."""
    fresh = [row for row in rows if row[0] > stored_max]
    known = [row for row in rows if row[0] <= stored_max]
    _copy(cur, f"{kind}s", "", types, fresh)
    _copy(cur, f"{kind}_names", "", ["text", "int8"], [(row[1], row[0]) for row in fresh])
    if known:
        _copy(cur, f"stage_{kind}s", "", types, known)
        cur.execute(_UPDATE[kind])


def _write_pairs(cur: Cursor[Any], table: str, pending: list[tuple[tuple[int, int], bool]]) -> None:
    a, b = _PAIRS[table]
    for on in (True, False):
        pairs = [pair for pair, value in pending if value is on]
        if not pairs:
            continue
        args = ([p[0] for p in pairs], [p[1] for p in pairs])
        if on:
            sql = f"INSERT INTO {table} SELECT * FROM unnest(%s::bigint[], %s::bigint[]) "
            cur.execute(sql + "ON CONFLICT DO NOTHING", args)
        else:
            cur.execute(
                f"DELETE FROM {table} t USING unnest(%s::bigint[], %s::bigint[]) AS k(a, b) "
                f"WHERE t.{a} = k.a AND t.{b} = k.b",
                args,
            )


def journal_window(
    conn: Conn, kind: int, subject: int, since: int, until: int, *, rolled: bool
) -> dict[int, list[int]]:
    """Per cause: [sum of deltas, number of entries] of entries with since <= ts < until.

    ``rolled``: the subject has hourly roll-ups, so whole hours are read from them.
    """
    table, column = JOURNALS[kind]
    hour = 3_600_000
    first, last = -(-since // hour), until // hour
    raw = (
        f"SELECT cause, sum(delta), count(*) FROM {table} WHERE {column} = %s "
        "AND ts >= %s AND ts < %s GROUP BY cause"
    )
    if not rolled or first >= last:
        spans = [(raw, (subject, since, until))]
    else:
        rolled_sql = (
            f"SELECT cause, sum(delta), sum(entries) FROM {table}_hourly WHERE {column} = %s "
            "AND hour >= %s AND hour < %s GROUP BY cause"
        )
        spans = [
            (raw, (subject, since, first * hour)),
            (rolled_sql, (subject, first, last)),
            (raw, (subject, last * hour, until)),
        ]
    sums: dict[int, list[int]] = {}
    for sql, args in spans:
        for cause, delta, entries in conn.execute(sql, args):
            slot = sums.setdefault(cause, [0, 0])
            slot[0] += int(delta)
            slot[1] += int(entries)
    return sums
