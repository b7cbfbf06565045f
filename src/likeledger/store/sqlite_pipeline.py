"""Ingest pipelining for SQLite: decide batch N+1 on the calling thread while batch N
commits on a writer thread (or inline, for single-connection databases)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING

from .sqlite_rows import SQLiteWorkingSet
from .workingset import WorkingSet

if TYPE_CHECKING:
    from .sqlite import SQLiteStore


class Pipeline:
    """Decide batch N+1 while batch N commits; at most one batch is in flight."""

    def __init__(self, store: SQLiteStore, reader: sqlite3.Connection, pool: ThreadPoolExecutor):
        self.store = store
        self.reader = reader
        self.pool = pool
        self.inflight: Future[None] | None = None
        self.previous: WorkingSet | None = None
        store.refresh_cache()

    def begin(self) -> SQLiteWorkingSet:
        """A working set reading through the reader, overlaid with the in-flight batch."""
        if not self.store.cache.valid:  # cleared after a set-based change: reload after it
            self.drain()
            self.previous = None
            self.store.refresh_cache()
        if self.previous is not None:
            self.previous.previous = None  # its predecessor is committed: drop the chain
        return SQLiteWorkingSet(
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


class InlinePipeline(Pipeline):
    """The same interface, committing each batch inline (single-connection databases)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.inflight = None
        self.previous = None
        store.refresh_cache()

    def begin(self) -> SQLiteWorkingSet:
        if not self.store.cache.valid:
            self.store.refresh_cache()
        return SQLiteWorkingSet(self.store.conn, self.store.cache)

    def submit(self, ws: WorkingSet) -> None:
        self.store.commit_batch(ws, ws.prepare())
