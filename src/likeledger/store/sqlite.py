"""SQLite backend: one writer, WAL, ``synchronous=FULL``, one transaction per batch.

Rules: every write runs inside ``BEGIN IMMEDIATE`` on the writer connection, so the ledger
rows, state, counts and journal of a batch commit together or not at all. The row cache
survives between batches only while ``PRAGMA data_version`` proves no other connection
wrote. Ingest holds an advisory lock file for its whole run (one writer process at a time)
and may pipeline: batch N commits on a writer thread while batch N+1 is decided on the
main thread, reading through a second connection. sqlite3 errors leave this module as
:class:`~likeledger.errors.StorageError`.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine import AccountFlip
from ..errors import ConfigError, StorageError
from ..events import Event
from ..recompute import Truth
from .base import BatchPipeline
from .pipeline import threaded
from .sqlite_pipeline import InlinePipeline
from .sqlite_reads import SQLiteReads
from .sqlite_rows import SQLiteQueries, SQLiteWorkingSet, run_account_flip
from .workingset import ROLLUP_FROM, PendingRows, RowCache, WorkingSet

if TYPE_CHECKING:
    from ..bulk.export import LedgerExport

WAL_CHECKPOINT_BYTES = 1000 * 4096  # SQLite's default auto-checkpoint: 1000 pages

__all__ = ["SQLiteQueries", "SQLiteStore", "SQLiteWorkingSet", "translate_errors"]


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


class SQLiteStore(SQLiteReads):
    """The embedded store. ``path`` may be ``:memory:`` for throwaway ledgers."""

    def __init__(self, path: str, *, durable: bool = True, rollup_from: int = ROLLUP_FROM) -> None:
        self.path = path
        self.durable = durable
        self.cache = RowCache(rollup_from)
        self._data_version = -1
        self.conn = self._connect()
        # The writer checkpoints outside its commits (see _checkpoint), not inside them.
        self.conn.execute("PRAGMA wal_autocheckpoint=0")
        self._reader: sqlite3.Connection | None = None
        with translate_errors("migrating the schema"):
            self._migrate()

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigError(
                    f"cannot open database {self.path!r}: folder {str(parent)!r} does not exist"
                )
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'OFF'}")
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
        if self._reader is not None:
            self._reader.close()
        self.conn.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the advisory writer lock (``<db>.lock``): one writing process at a time."""
        if self.path == ":memory:":
            yield
            return
        try:
            handle = open(self.path + ".lock", "a+b")  # noqa: SIM115
        except OSError as exc:
            raise StorageError(
                f"cannot take the writer lock {self.path + '.lock'!r}: {exc}"
            ) from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def pipeline(self) -> Iterator[BatchPipeline]:
        """Batches decided on this thread, committed in order on a writer thread.

        Falls back to committing inline for ``:memory:`` databases (one connection only).
        """
        if self.path == ":memory:":
            yield InlinePipeline(self)
            return
        reader = self._reader = self._reader or self._connect()

        def new_ws(previous: WorkingSet | None) -> WorkingSet:
            return SQLiteWorkingSet(reader, self.cache, writer=self.conn, previous=previous)

        with threaded(self, new_ws, "likeledger-writer") as pipe:
            yield pipe

    @contextmanager
    def write(self) -> Iterator[SQLiteWorkingSet]:
        """One atomic write transaction; yields the working set the engine runs on."""
        with translate_errors("writing a batch"):
            self._checkpoint()
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
        self._data_version = self._version()

    def recompute_bulk(self, export: LedgerExport | None = None) -> Truth:
        """Every count and total recomputed from the ledger set-based (likeledger.bulk)."""
        from ..bulk.sqlite import recompute_file  # duckdb is imported only when needed

        return recompute_file(self, export)

    def apply_account_flip(self, event: Event, flip: AccountFlip) -> int:
        """Apply an account-wide flip in one set-based transaction; returns its sequence number.

        The engine decided that ``event`` is accepted and moves every countable like of the
        account by ``flip.delta``; doing that in SQL keeps a 100k-like account to a few
        statements. Same rows, same journal as the general path (tests hold them equal).
        """
        with translate_errors("applying an account-wide change"):
            self._checkpoint()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self._version() != self._data_version:
                    raise StorageError(f"{self.path!r} was changed by another writer")
                seq = self.head() + 1
                run_account_flip(self.conn, event, flip, seq, self.cache.rollup_from)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                self.cache.clear()
                raise
            self.cache.forget_counts()  # cached counts of the touched rows are stale now
        self._data_version = self._version()
        return seq

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file once it passes SQLite's usual 4 MiB.

        SQLite would do this inside the commit that crosses the size (about 17 ms of a
        100k-like account change). Pipelined batches checkpoint after their commit on the
        writer thread; other writes before they begin. A commit's latency is then its own,
        the WAL stays bounded, and closing the last connection checkpoints what is left.
        """
        if self.path == ":memory:":
            return
        try:
            size = os.stat(self.path + "-wal").st_size
        except OSError:
            return
        if size >= WAL_CHECKPOINT_BYTES:
            with suppress(sqlite3.OperationalError):  # busy or read-only: the next write retries
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def commit_batch(self, ws: WorkingSet, rows: PendingRows) -> None:
        """Write one decided batch in its own transaction (runs on the writer thread)."""
        with translate_errors("committing a batch"):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self._version() != self._data_version:
                    raise StorageError(
                        f"{self.path!r} was changed by another writer during ingest; "
                        "this batch was not committed"
                    )
                ws.write(rows)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self._checkpoint()  # on the writer thread, while the next batch is decided
        self._data_version = self._version()

    @contextmanager
    def read(self) -> Iterator[SQLiteWorkingSet]:
        """A consistent read-only view (fresh cache, one read transaction)."""
        with translate_errors("reading"):
            self.conn.execute("BEGIN")
            try:
                yield SQLiteWorkingSet(self.conn, RowCache())
            finally:
                self.conn.execute("ROLLBACK")

    def refresh_cache(self) -> None:
        """Drop the row cache unless this connection was the last to write."""
        with translate_errors("reading"):
            self._refresh_cache()
        self._data_version = self._version()

    def _refresh_cache(self) -> None:
        version = self._version()
        if version != self._data_version or self.cache.size() > RowCache.MAX_ROWS:
            self.cache.clear()
        if not self.cache.valid:
            row = self.conn.execute(
                "SELECT (SELECT coalesce(max(seq), 0) FROM ledger), "
                "(SELECT coalesce(max(id), 0) FROM users), "
                "(SELECT coalesce(max(id), 0) FROM videos)"
            ).fetchone()
            self.cache.head, self.cache.next_user_id, self.cache.next_video_id = row
            self.cache.stored_max_user, self.cache.stored_max_video = row[1], row[2]
            self.cache.stored_head = row[0]
            self.cache.valid = True
