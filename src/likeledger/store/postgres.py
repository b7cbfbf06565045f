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
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import conninfo

from ..engine import AccountFlip
from ..errors import ConfigError, StorageError
from ..events import Event
from ..recompute import Truth
from .base import BatchPipeline
from .pipeline import threaded
from .postgres_queries import PostgresQueries
from .postgres_rows import PostgresWorkingSet
from .postgres_sql import (
    STAGING,
    Checkpoint,
    migrations,
    run_account_flip,
    translate_errors,
    write_checkpoint,
    write_rows,
)
from .postgres_writer import WriterProcess
from .workingset import ROLLUP_FROM, PendingRows, RowCache, WorkingSet

__all__ = ["PostgresStore", "translate_errors"]

Conn = psycopg.Connection[tuple[Any, ...]]
_LOCK_CLASS = 0x11CE  # first key of our advisory locks; the second is the schema's hash
_MIGRATION_LOCK = 0x11CF

if TYPE_CHECKING:
    from ..bulk.export import LedgerExport


def describe(url: str) -> str:
    """``host:port/dbname`` of a URL, without user or password (safe for error messages)."""
    try:
        info = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(
            f"database URL is not a valid PostgreSQL URL: {str(exc).strip()}"
        ) from exc
    host, port = info.get("host") or "localhost", info.get("port") or "5432"
    return f"{host}:{port}/{info.get('dbname') or ''}"


class PostgresStore(PostgresQueries):
    """A ledger in one PostgreSQL database (or schema, via ``options=-csearch_path=...``)."""

    def __init__(
        self,
        url: str,
        *,
        durable: bool = True,
        rollup_from: int = ROLLUP_FROM,
        writer_process: bool = False,
    ) -> None:
        self.url = url
        self.writer_process = writer_process  # ingest commits in a forked process (see there)
        self._writer: WriterProcess | None = None
        self.where = describe(url)
        self.durable = durable
        self.cache = RowCache(rollup_from)
        self._generation = -1  # ledger_meta.generation this process last wrote or saw
        self.conn = self._connect()
        self._reader: Conn | None = None
        self._staged = False  # the writer connection's temp staging tables exist
        self.deciding: PostgresWorkingSet | None = None
        with translate_errors("migrating the schema"):
            row = self.conn.execute(
                "SELECT hashtext(current_schema()), to_regclass('schema_version') IS NOT NULL"
            ).fetchone()
            assert row is not None
            self._lock_key = (_LOCK_CLASS, int(row[0]))
            self._migrate(known=bool(row[1]))

    def _connect(self) -> Conn:
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name="likeledger")
            # Batch updates join a few thousand staged rows to big tables: with the default
            # random_page_cost (4, spinning disks) the planner prefers a full scan of users
            # per batch over index probes; 1.1 is the usual SSD / cached-data setting and
            # made the users update 6x faster at 1M events (docs/postgres.md).
            conn.execute("SET random_page_cost = 1.1")
            if not self.durable:
                conn.execute("SET synchronous_commit = off")
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to PostgreSQL at {self.where}: {exc}") from exc
        return conn

    def _migrate(self, *, known: bool) -> None:
        """Apply newer migrations, each recorded in schema_version in its own transaction."""
        pending = migrations()
        if known:  # the common case: one query, no DDL, no lock
            row = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
            pending = [(v, script) for v, script in pending if row is None or v > (row[0] or 0)]
        for version, script in pending:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s::int8)", (_MIGRATION_LOCK,))
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"
                )
                row = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
                if row is None or row[0] is None or row[0] < version:
                    self.conn.execute(script.encode())
                    self.conn.execute(
                        "INSERT INTO schema_version (version) VALUES (%s)", (version,)
                    )

    def close(self) -> None:
        for conn in (self._reader, self.conn):
            if conn is not None:
                conn.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the session advisory lock of this ledger: one writing process at a time."""
        with translate_errors("taking the writer lock"):
            self.conn.execute("SELECT pg_advisory_lock(%s::int4, %s::int4)", self._lock_key)
        try:
            yield
        finally:
            with suppress(psycopg.Error):  # a dead connection has released it already
                self.conn.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", self._lock_key)

    def prepare_writer(self) -> None:
        """Make this store's connection ready to commit pipelined batches."""
        self._stage()

    def _stage(self) -> None:
        """Create the bulk writer's temp tables on the writer connection, once."""
        if not self._staged:
            with translate_errors("preparing to write"):
                self.conn.execute(STAGING)
            self._staged = True

    @contextmanager
    def pipeline(self) -> Iterator[BatchPipeline]:
        """Batches decided on this thread, committed in order on a writer thread."""
        self._stage()
        reader = self._reader = self._reader or self._connect()

        def new_ws(previous: WorkingSet | None) -> WorkingSet:
            ws = PostgresWorkingSet(reader, self.cache, writer=self.conn, previous=previous)
            self.deciding = ws
            return ws

        try:
            with (
                self._writer_process(),
                threaded(self, new_ws, "likeledger-pg", depth=2 if self._writer else 1) as pipe,
            ):
                yield pipe
        finally:
            self.deciding = None

    @contextmanager
    def _writer_process(self) -> Iterator[None]:
        """With ``writer_process``: batches commit in a forked child for this block."""
        if not self.writer_process:
            yield
            return
        self._writer = WriterProcess(self.url, durable=self.durable, rollup_from=self.rollup_from)
        try:
            yield
        finally:
            writer, self._writer = self._writer, None
            writer.close()

    @contextmanager
    def write(self) -> Iterator[PostgresWorkingSet]:
        """One atomic write transaction; yields the working set the engine runs on."""
        self._stage()
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

    def apply_account_flip(self, event: Event, flip: AccountFlip) -> int:
        """Apply an account-wide flip set-based in one transaction; returns its seq.

        The engine decided that ``event`` is accepted and moves every countable like of the
        account by ``flip.delta``; the same rows and journal as the general path, in a few
        statements (see SQLiteStore.apply_account_flip; the property tests hold them equal).
        """
        try:
            with translate_errors("applying an account-wide change"), self.conn.transaction():
                seq = self._claim(refresh=False) + 1
                run_account_flip(self.conn, event, flip, seq, self.cache.rollup_from)
                self._advance(seq)
        except BaseException:
            self.cache.clear()  # the commit may have failed too
            raise
        self.cache.forget_counts()  # cached counts of the touched rows are stale now
        return seq

    def commit_batch(self, ws: WorkingSet, rows: PendingRows) -> None:
        """Write one decided batch in its own transaction (runs on the writer thread)."""
        assert isinstance(ws, PostgresWorkingSet)
        if self._writer is not None:
            self._generation = self._writer.commit(self._generation, rows, ws.checkpoint)
        else:
            self.commit_rows(self._generation, rows, ws.checkpoint)

    def commit_rows(
        self,
        generation: int,
        rows: PendingRows,
        checkpoint: Checkpoint | None,
    ) -> None:
        """Commit one batch decided on top of ``generation`` of the ledger, in one
        transaction (also the writer process's entry point)."""
        self._generation = generation
        with translate_errors("committing a batch"), self.conn.transaction():
            head = self._claim(refresh=False)
            self._check_order(head, rows)
            write_rows(self.conn.cursor(), rows)
            head = rows.ledger[-1][0] if rows.ledger else head
            self._advance(head)
            if checkpoint is not None:  # a projector's batch: its progress commits with it
                write_checkpoint(self.conn.cursor(), checkpoint, head)

    @property
    def generation(self) -> int:
        """``ledger_meta.generation`` as this store last wrote or saw it."""
        return self._generation

    # -- the writer protocol of the module docstring ----------------------------------
    def _claim(self, *, refresh: bool) -> int:
        """Lock the meta row; return the head. Another writer's commit since ours either
        drops the cache (``refresh``) or refuses the batch decided on top of it."""
        row = self.conn.execute("SELECT head, generation FROM ledger_meta FOR UPDATE").fetchone()
        assert row is not None
        head, generation = int(row[0]), int(row[1])
        if not refresh:
            if generation != self._generation:
                raise StorageError(
                    f"the ledger at {self.where} was changed by another writer during "
                    "ingest; this batch was not committed"
                )
            return head
        if generation != self._generation or self.cache.size() > RowCache.MAX_ROWS:
            self.cache.clear()
            self._generation = generation
        if not self.cache.valid:
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
        row = self.conn.execute(
            "SELECT (SELECT head FROM ledger_meta), "
            "(SELECT coalesce(max(user_id), 0) FROM users), "
            "(SELECT coalesce(max(video_id), 0) FROM videos)"
        ).fetchone()
        assert row is not None
        self.cache.head, self.cache.next_user_id, self.cache.next_video_id = row
        self.cache.stored_max_user, self.cache.stored_max_video = row[1], row[2]
        self.cache.stored_head = row[0]  # 0: no stored idempotency keys to look up
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

    @property
    def rollup_from(self) -> int:
        return self.cache.rollup_from

    def recompute_bulk(self, export: LedgerExport | None = None) -> Truth:
        """Every count and total recomputed from the ledger set-based (likeledger.bulk)."""
        from ..bulk.postgres import recompute_url  # duckdb is imported only when needed

        return recompute_url(self, export)
