"""Backend-neutral ingest pipelining: decide batch N+1 on the calling thread while batch N
commits on one writer thread. At most one batch is in flight; ``submit`` returns once the
previous batch has committed, so callers can report it as durable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Protocol

from .rows import PendingRows, RowCache
from .workingset import WorkingSet


class Committer(Protocol):
    """What the pipeline needs from a store."""

    cache: RowCache

    def refresh_cache(self) -> None: ...
    def commit_batch(self, ws: WorkingSet, rows: PendingRows) -> None: ...


NewWorkingSet = Callable[[WorkingSet | None], WorkingSet]


class ThreadedPipeline:
    """Batches decided here, committed in order on the writer thread of ``pool``."""

    def __init__(self, store: Committer, pool: ThreadPoolExecutor, new_ws: NewWorkingSet) -> None:
        self.store = store
        self.pool = pool
        self.new_ws = new_ws  # builds a working set overlaid with the batch still in flight
        self.inflight: Future[None] | None = None
        self.previous: WorkingSet | None = None
        store.refresh_cache()

    def begin(self) -> WorkingSet:
        """A working set reading through the reader, overlaid with the in-flight batch."""
        if self.store.cache.needs_reload():  # reload once everything in flight committed
            self.drain()
            self.previous = None
            self.store.refresh_cache()  # clears a cache over its size limit
        if self.previous is not None:
            self.previous.previous = None  # its predecessor is committed: drop the chain
        return self.new_ws(self.previous)

    def submit(self, ws: WorkingSet) -> None:
        """Snapshot ``ws``'s rows, wait for the batch in flight, then send these to commit."""
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


@contextmanager
def threaded(store: Committer, new_ws: NewWorkingSet, name: str) -> Iterator[ThreadedPipeline]:
    """Run a pipeline with its own writer thread; drain on success, abandon on error."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        pipe = ThreadedPipeline(store, pool, new_ws)
        try:
            yield pipe
            pipe.drain()
        except BaseException:
            pipe.abandon()
            raise
