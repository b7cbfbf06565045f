"""PostgreSQL backend (psycopg 3): the same port as SQLite, for several writer processes.

Rules:
- Commit order equals sequence order. Writers serialize twice: ``lock()`` holds a session
  advisory lock for a whole ingest or reconcile run, and every write transaction starts by
  locking the one ``ledger_meta`` row (``FOR UPDATE``) and checking that the ledger head is
  exactly where this process left it. A batch whose first seq is not head + 1 is refused.
- The row cache survives between batches only while ``ledger_meta.generation`` (bumped by
  every write transaction) is the one this process last wrote or saw: PostgreSQL's stand-in
  for SQLite's ``PRAGMA data_version``.
- Ingest pipelines like SQLite's: batch N commits on a writer thread while batch N+1 is
  decided on the main thread, reading through a second connection.
- psycopg errors leave this module as :class:`~likeledger.errors.StorageError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from importlib import resources
from typing import Any

import psycopg
from psycopg import conninfo

from ..engine import AccountFlip
from ..errors import ConfigError, StorageError
from ..events import Event
from .postgres_rows import JOURNALS, STAGING, PostgresWorkingSet, journal_window, run_account_flip
from .workingset import PendingRows, RowCache, WorkingSet

__all__ = ["PostgresStore", "translate_errors"]

Conn = psycopg.Connection[tuple[Any, ...]]
_LOCK_CLASS = 0x11CE  # first key of our advisory locks; the second is the schema's hash
_MIGRATION_LOCK = 0x11CF


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn driver errors into StorageError, naming what we were doing."""
    try:
        yield
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL failed while {action}: {exc}".strip()) from exc


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("likeledger.store").joinpath("pg_migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text())
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def describe(url: str) -> str:
    """``host:port/dbname`` of a URL, without user or password (safe for error messages)."""
    try:
        info = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(f"database URL is not a valid PostgreSQL URL: {exc}") from exc
    host, port = info.get("host") or "localhost", info.get("port") or "5432"
    return f"{host}:{port}/{info.get('dbname') or ''}"


class PostgresStore:
    """A ledger in one PostgreSQL database (or schema, via ``options=-csearch_path=...``)."""

    def __init__(self, url: str, *, durable: bool = True) -> None:
        self.url = url
        self.where = describe(url)
        self.durable = durable
        self.cache = RowCache()
        self._generation = -1  # ledger_meta.generation this process last wrote or saw
        self.conn = self._connect()
        self._reader: Conn | None = None
        with translate_errors("migrating the schema"):
            self._migrate()
            self.conn.execute(STAGING)
            row = self.conn.execute("SELECT hashtext(current_schema())").fetchone()
            self._lock_key = (_LOCK_CLASS, row[0] if row else 0)

    def _connect(self) -> Conn:
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name="likeledger")
            if not self.durable:
                conn.execute("SET synchronous_commit = off")
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to PostgreSQL at {self.where}: {exc}") from exc
        return conn

    def _migrate(self) -> None:
        """Apply newer migrations, each recorded in schema_version in its own transaction."""
        for version, script in _migrations():
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"
                )
                row = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
                if row is None or row[0] is None or row[0] < version:
                    self.conn.execute(script.encode())
                    self.conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

    def close(self) -> None:
        for conn in (self._reader, self.conn):
            if conn is not None:
                conn.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the session advisory lock of this ledger: one writing process at a time."""
        with translate_errors("taking the writer lock"):
            self.conn.execute("SELECT pg_advisory_lock(%s, %s)", self._lock_key)
        try:
            yield
        finally:
            with suppress(psycopg.Error):  # a dead connection has released it already
                self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", self._lock_key)

    @contextmanager
    def pipeline(self) -> Iterator[Pipeline]:
        """Batches decided on this thread, committed in order on a writer thread."""
        if self._reader is None:
            self._reader = self._connect()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="likeledger-pg") as pool:
            pipe = Pipeline(self, self._reader, pool)
            try:
                yield pipe
                pipe.drain()
            except BaseException:
                pipe.abandon()
                raise

    @contextmanager
    def write(self) -> Iterator[PostgresWorkingSet]:
        """One atomic write transaction; yields the working set the engine runs on."""
        with translate_errors("writing a batch"), self.conn.transaction():
            try:
                head = self._claim(refresh=True)
                ws = PostgresWorkingSet(self.conn, self.cache)
                yield ws
                rows = ws.prepare()
                self._check_order(head, rows)
                ws.write(rows)
                self._advance(rows.ledger[-1][0] if rows.ledger else head)
            except BaseException:
                self.cache.clear()
                raise

    def commit_batch(self, ws: WorkingSet, rows: PendingRows) -> None:
        """Write one decided batch in its own transaction (runs on the writer thread)."""
        with translate_errors("committing a batch"), self.conn.transaction():
            head = self._claim(refresh=False)
            self._check_order(head, rows)
            ws.write(rows)
            self._advance(rows.ledger[-1][0] if rows.ledger else head)

    def apply_account_flip(self, event: Event, flip: AccountFlip) -> int:
        """Apply an account-wide flip set-based in one transaction; returns its seq.

        Same rows and journal as the general path; see SQLiteStore.apply_account_flip.
        """
        with translate_errors("applying an account-wide change"), self.conn.transaction():
            try:
                seq = self._claim(refresh=False) + 1
                run_account_flip(self.conn, event, flip, seq, self.cache.rollup_from)
                self._advance(seq)
            finally:
                self.cache.clear()  # cached counts of the touched rows are stale now
        return seq

    # -- the writer protocol of the module docstring ----------------------------------
    def _claim(self, *, refresh: bool) -> int:
        """Lock the meta row; return the head. Another writer's commit since ours either
        drops the cache (``refresh``) or refuses the batch decided on top of it."""
        row = self.conn.execute(
            "SELECT head, generation FROM ledger_meta FOR UPDATE"
        ).fetchone()
        assert row is not None
        head, generation = int(row[0]), int(row[1])
        if generation != self._generation:
            if not refresh:
                raise StorageError(
                    f"the ledger at {self.where} was changed by another writer during "
                    "ingest; this batch was not committed"
                )
            self.cache.clear()
            self._generation = generation
        if not self.cache.valid or self.cache.size() > RowCache.MAX_ROWS:
            self._load_cache_bounds()
        return head

    def _check_order(self, head: int, rows: PendingRows) -> None:
        if rows.ledger and rows.ledger[0][0] != head + 1:
            raise StorageError(
                f"batch starts at seq {rows.ledger[0][0]} but the ledger head is {head}; "
                "not committed (commit order must equal sequence order)"
            )

    def _advance(self, head: int) -> None:
        row = self.conn.execute(
            "UPDATE ledger_meta SET head = %s, generation = generation + 1 RETURNING generation",
            (head,),
        ).fetchone()
        assert row is not None
        self._generation = int(row[0])

    def _load_cache_bounds(self) -> None:
        self.cache.clear()
        row = self.conn.execute(
            "SELECT (SELECT head FROM ledger_meta), "
            "(SELECT coalesce(max(user_id), 0) FROM users), "
            "(SELECT coalesce(max(video_id), 0) FROM videos)"
        ).fetchone()
        assert row is not None
        self.cache.head, self.cache.next_user_id, self.cache.next_video_id = row
        self.cache.stored_max_user, self.cache.stored_max_video = row[1], row[2]
        self.cache.valid = True

    def refresh_cache(self) -> None:
        """Drop the row cache unless this process was the last to write."""
        with translate_errors("reading"), self.conn.transaction():
            self._claim(refresh=True)

    # -- read queries (on the main connection: inside read()/write() they share its snapshot)
    @contextmanager
    def read(self) -> Iterator[PostgresWorkingSet]:
        """A consistent read-only view (fresh cache, one repeatable-read transaction)."""
        with translate_errors("reading"):
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PostgresWorkingSet(self.conn, RowCache(self.cache.rollup_from))
            finally:
                self.conn.execute("ROLLBACK")

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with translate_errors("reading"):
            return self.conn.execute(sql, args).fetchone()

    def _all(self, sql: str) -> list[tuple[Any, ...]]:
        with translate_errors("reading"):
            return self.conn.execute(sql).fetchall()

    def head(self) -> int:
        row = self._one("SELECT coalesce(max(seq), 0) FROM ledger")
        return int(row[0]) if row else 0

    def count_row(self, video: str) -> tuple[int, bool, str, int] | None:
        row = self._one(
            "SELECT v.likes, v.deleted, u.name, (SELECT coalesce(max(seq), 0) FROM ledger) "
            "FROM video_names n JOIN videos v ON v.video_id = n.video_id "
            "JOIN users u ON u.user_id = v.creator_id WHERE n.name = %s",
            (video,),
        )
        return None if row is None else (int(row[0]), bool(row[1]), row[2], int(row[3]))

    @property
    def rollup_from(self) -> int:
        return self.cache.rollup_from

    def journal_window(
        self, kind: int, subject: int, since: int, until: int, *, rolled: bool
    ) -> dict[int, list[int]]:
        with translate_errors("reading the journal"):
            return journal_window(self.conn, kind, subject, since, until, rolled=rolled)

    def ledger_rows(self) -> Iterator[tuple[int, str, int, bytes, bool]]:
        with translate_errors("reading the ledger"):
            cur = self.conn.cursor()
            sql = "SELECT seq, type, ts, payload, stale FROM ledger ORDER BY seq"
            for seq, etype, ts, payload, stale in cur.stream(sql, size=5_000):
                yield seq, etype, ts, bytes(payload), stale

    def journal_sums(self) -> dict[tuple[int, int], int]:
        sums: dict[tuple[int, int], int] = {}
        for kind, (table, column) in enumerate(JOURNALS):
            for subject, total in self._all(f"SELECT {column}, sum(delta) FROM {table} GROUP BY 1"):
                sums[(kind, subject)] = int(total)
        return sums

    def live_videos(self) -> list[tuple[int, str, int]]:
        return self._all("SELECT video_id, name, likes FROM videos WHERE NOT deleted")  # type: ignore[return-value]

    def user_totals(self) -> list[tuple[int, str, int]]:
        return self._all("SELECT user_id, name, total FROM users")  # type: ignore[return-value]

    def liked_count(self, uid: int) -> int:
        """Stored liked edges of one account (decides when a set-based cascade pays).

        Runs on the reader when ingest is pipelined: the writer connection may be mid-batch.
        """
        conn = self._reader or self.conn
        with translate_errors("reading"):
            row = conn.execute(
                "SELECT count(*) FROM likes WHERE user_id = %s AND liked", (uid,)
            ).fetchone()
        return int(row[0]) if row else 0


class Pipeline:
    """Decide batch N+1 while batch N commits; at most one batch is in flight."""

    def __init__(self, store: PostgresStore, reader: Conn, pool: ThreadPoolExecutor) -> None:
        self.store = store
        self.reader = reader
        self.pool = pool
        self.inflight: Future[None] | None = None
        self.previous: WorkingSet | None = None
        store.refresh_cache()

    def begin(self) -> PostgresWorkingSet:
        """A working set reading through the reader, overlaid with the in-flight batch."""
        if not self.store.cache.valid:  # cleared after a set-based change: reload after it
            self.drain()
            self.previous = None
            self.store.refresh_cache()
        if self.previous is not None:
            self.previous.previous = None  # its predecessor is committed: drop the chain
        return PostgresWorkingSet(
            self.reader, self.store.cache, writer=self.store.conn, previous=self.previous
        )

    def submit(self, ws: WorkingSet) -> None:
        """Wait for the batch in flight, then send ``ws`` to be committed."""
        rows = ws.prepare()
        self.drain()
        self.inflight = self.pool.submit(self.store.commit_batch, ws, rows)
        self.previous = ws

    def drain(self) -> None:
        """Wait until everything submitted is committed; re-raise a failed commit."""
        if self.inflight is not None:
            future, self.inflight = self.inflight, None
            try:
                future.result()
            except BaseException:
                self.store.cache.clear()
                raise

    def abandon(self) -> None:
        """After an error: wait for the writer, forget cached rows (they may be uncommitted)."""
        with suppress(Exception):  # the original error is the one worth reporting
            self.drain()
        self.store.cache.clear()
