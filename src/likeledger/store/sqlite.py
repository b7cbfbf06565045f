"""SQLite backend: one writer connection, WAL, ``synchronous=FULL``, one transaction per batch.

Rules: every write runs inside ``BEGIN IMMEDIATE`` on the writer connection, so the ledger
rows, state, counts and journal of a batch commit together or not at all. The row cache
survives between batches only while ``PRAGMA data_version`` proves no other connection
wrote. sqlite3 errors leave this module as :class:`~likeledger.errors.StorageError`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from ..errors import ConfigError, StorageError
from ..model import Edge, LikeRef, User, Video
from .workingset import HOUR_MS, Content, RowCache, WorkingSet

_CHUNK = 500  # parameters per IN (...) lookup


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn driver errors into StorageError, naming what we were doing."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(f"SQLite failed while {action}: {exc}") from exc


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("likeledger.store").joinpath("migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text())
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


class SQLiteStore:
    """The embedded store. ``path`` may be ``:memory:`` for throwaway ledgers."""

    def __init__(self, path: str, *, durable: bool = True) -> None:
        self.path = path
        self.cache = RowCache()
        self._data_version = -1
        self.conn = self._connect(durable)
        with translate_errors("migrating the schema"):
            self._migrate()

    def _connect(self, durable: bool) -> sqlite3.Connection:
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigError(
                    f"cannot open database {self.path!r}: folder {str(parent)!r} does not exist"
                )
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("PRAGMA temp_store=MEMORY")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open database {self.path!r}: {exc}") from exc
        return conn

    def _migrate(self) -> None:
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for version, script in _migrations():
            if version > current:
                # DDL and the version bump commit together, or not at all.
                try:
                    self.conn.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};\nCOMMIT;"
                    )
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[SQLiteWorkingSet]:
        """One atomic write transaction; yields the working set the engine runs on."""
        with translate_errors("writing a batch"):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"cannot write to {self.path!r}: {exc}") from exc
            try:
                self._refresh_cache()
                ws = SQLiteWorkingSet(self.conn, self.cache)
                yield ws
                ws.flush()
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                self.cache.clear()
                raise
        self._data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def read(self) -> Iterator[SQLiteWorkingSet]:
        """A consistent read-only view (fresh cache, one read transaction)."""
        with translate_errors("reading"):
            self.conn.execute("BEGIN")
            try:
                yield SQLiteWorkingSet(self.conn, RowCache())
            finally:
                self.conn.execute("ROLLBACK")

    def _refresh_cache(self) -> None:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version or self.cache.size() > RowCache.MAX_ROWS:
            self.cache.clear()
        if not self.cache.valid:
            row = self.conn.execute(
                "SELECT (SELECT coalesce(max(seq), 0) FROM ledger), "
                "(SELECT coalesce(max(id), 0) FROM users), "
                "(SELECT coalesce(max(id), 0) FROM videos)"
            ).fetchone()
            self.cache.head, self.cache.next_user_id, self.cache.next_video_id = row
            self.cache.valid = True


class SQLiteWorkingSet(WorkingSet):
    """Loaders and writers of the working set, in SQLite's dialect."""

    def __init__(self, conn: sqlite3.Connection, cache: RowCache) -> None:
        super().__init__(cache)
        self.conn = conn

    def load_user(self, name: str | None, uid: int | None) -> User | None:
        where, arg = ("name", name) if name is not None else ("id", uid)
        row = self.conn.execute(
            f"SELECT id, name, status, flagged, total FROM users WHERE {where} = ?", (arg,)
        ).fetchone()
        return None if row is None else User(row[0], row[1], row[2], bool(row[3]), row[4])

    def load_video(self, name: str | None, vid: int | None) -> Video | None:
        where, arg = ("name", name) if name is not None else ("id", vid)
        row = self.conn.execute(
            "SELECT id, name, creator, visibility, moderation, deleted, likes "
            f"FROM videos WHERE {where} = ?",
            (arg,),
        ).fetchone()
        return (
            None
            if row is None
            else Video(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])
        )

    def load_edge(self, user: int, creator: int, video: int) -> Edge | None:
        row = self.conn.execute(
            "SELECT liked, ts, flagged FROM likes WHERE user = ? AND creator = ? AND video = ?",
            (user, creator, video),
        ).fetchone()
        return (
            None if row is None else Edge(user, video, creator, bool(row[0]), row[1], bool(row[2]))
        )

    def load_pair(self, table: str, first: int, second: int) -> bool:
        columns = {"blocks": ("blocker", "blocked"), "follows": ("follower", "followee")}[table]
        sql = f"SELECT 1 FROM {table} WHERE {columns[0]} = ? AND {columns[1]} = ?"
        return self.conn.execute(sql, (first, second)).fetchone() is not None

    def query_liked_edges(self, user: int, creator: int | None) -> list[LikeRef]:
        sql = "SELECT video, creator, flagged FROM likes WHERE user = ? AND liked = 1"
        args: tuple[int, ...] = (user,)
        if creator is not None:
            sql, args = sql + " AND creator = ?", (user, creator)
        return [LikeRef(v, c, bool(f)) for v, c, f in self.conn.execute(sql, args)]

    def query_video_ids_of(self, creator: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM videos WHERE creator = ? AND deleted = 0", (creator,)
        )
        return [row[0] for row in rows]

    def load_keys(self, keys: list[str]) -> dict[str, Content]:
        found: dict[str, Content] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, type, ts, payload FROM ledger WHERE key IN ({marks})"
            for key, etype, ts, payload in self.conn.execute(sql, chunk):
                found[key] = (etype, ts, bytes(payload))
        return found

    def write_state(self) -> None:
        c = self.conn
        if self.dirty_users:
            c.executemany(
                "INSERT INTO users (id, name, status, flagged, total) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
                "flagged = excluded.flagged, total = excluded.total",
                [(u.id, u.name, u.status, u.flagged, u.total) for u in self.dirty_users],
            )
        if self.dirty_videos:
            c.executemany(
                "INSERT INTO videos (id, name, creator, visibility, moderation, deleted, likes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "visibility = excluded.visibility, moderation = excluded.moderation, "
                "deleted = excluded.deleted, likes = excluded.likes",
                [
                    (v.id, v.name, v.creator, v.visibility, v.moderation, v.deleted, v.likes)
                    for v in self.dirty_videos
                ],
            )
        if self.dirty_edges:
            c.executemany(
                "INSERT OR REPLACE INTO likes (user, creator, video, liked, ts, flagged) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(e.user, e.creator, e.video, e.liked, e.ts, e.flagged) for e in self.dirty_edges],
            )
        self._write_pairs("blocks", ("blocker", "blocked"), self.dirty_blocks)
        self._write_pairs("follows", ("follower", "followee"), self.dirty_follows)

    def _write_pairs(
        self, table: str, columns: tuple[str, str], pending: dict[tuple[int, int], bool]
    ) -> None:
        on = [pair for pair, value in pending.items() if value]
        off = [pair for pair, value in pending.items() if not value]
        a, b = columns
        self.conn.executemany(f"INSERT OR IGNORE INTO {table} ({a}, {b}) VALUES (?, ?)", on)
        self.conn.executemany(f"DELETE FROM {table} WHERE {a} = ? AND {b} = ?", off)

    def write_log(self) -> None:
        c = self.conn
        c.executemany(
            "INSERT INTO ledger (seq, key, type, ts, payload, stale) VALUES (?, ?, ?, ?, ?, ?)",
            self.ledger_rows,
        )
        c.executemany(
            "INSERT INTO journal (kind, subject, ts, seq, delta, cause) VALUES (?, ?, ?, ?, ?, ?)",
            self.journal_rows,
        )
        c.executemany(
            "INSERT INTO journal_hourly (kind, subject, hour, cause, delta, entries) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "delta = delta + excluded.delta, entries = entries + excluded.entries",
            [(*slot, delta, n) for slot, (delta, n) in self.rollup.items()],
        )
        c.executemany(
            "INSERT INTO impressions (video, hour, version, count) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET count = count + excluded.count",
            [(*slot, count) for slot, count in self.impressions.items()],
        )
        self.ledger_rows, self.journal_rows, self.rollup, self.impressions = [], [], {}, {}


class SQLiteQueries:
    """Read-side queries that are plain SQL (journal windows, full scans for reconcile)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def journal_window(
        self, kind: int, subject: int, since: int, until: int
    ) -> dict[int, list[int]]:
        """Per cause: [sum of deltas, number of entries] of entries with since <= ts < until."""
        first_hour, last_hour = -(-since // HOUR_MS), until // HOUR_MS
        sums: dict[int, list[int]] = {}
        if first_hour >= last_hour:
            self._raw(sums, kind, subject, since, until)
            return sums
        self._raw(sums, kind, subject, since, first_hour * HOUR_MS)
        rows = self.conn.execute(
            "SELECT cause, sum(delta), sum(entries) FROM journal_hourly "
            "WHERE kind = ? AND subject = ? AND hour >= ? AND hour < ? GROUP BY cause",
            (kind, subject, first_hour, last_hour),
        )
        _merge(sums, rows)
        self._raw(sums, kind, subject, last_hour * HOUR_MS, until)
        return sums

    def _raw(
        self, sums: dict[int, list[int]], kind: int, subject: int, since: int, until: int
    ) -> None:
        if since < until:
            rows = self.conn.execute(
                "SELECT cause, sum(delta), count(*) FROM journal WHERE kind = ? AND subject = ? "
                "AND ts >= ? AND ts < ? GROUP BY cause",
                (kind, subject, since, until),
            )
            _merge(sums, rows)


def _merge(sums: dict[int, list[int]], rows: Iterator[tuple[int, int, int]]) -> None:
    for cause, delta, entries in rows:
        slot = sums.setdefault(cause, [0, 0])
        slot[0] += delta
        slot[1] += entries
