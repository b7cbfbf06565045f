"""Backend-neutral ingest pipelining: decide batch N+1 on the calling thread while batch N
commits on one writer thread. At most ``depth`` batches are in flight (one unless the store
commits in a writer process, where a second one keeps the writer busy); ``submit`` returns
once fewer than that are, and ``confirmed`` counts the batches known to have committed, so
callers can report them as durable."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Protocol

from ..errors import StorageError
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

    def __init__(
        self, store: Committer, pool: ThreadPoolExecutor, new_ws: NewWorkingSet, depth: int = 1
    ) -> None:
        self.store = store
        self.pool = pool
        self.new_ws = new_ws  # builds a working set overlaid with the batches still in flight
        self.depth = depth
        self.inflight: deque[Future[None]] = deque()
        self.confirmed = 0
        self.failed = False  # set on the writer thread by a failed commit
        self.previous: WorkingSet | None = None
        store.refresh_cache()

    def begin(self) -> WorkingSet:
        """A working set reading through the reader, overlaid with the in-flight batches."""
        if self.store.cache.needs_reload():  # reload once everything in flight committed
            self.drain()
            self.previous = None
            self.store.refresh_cache()  # clears a cache over its size limit
        self._cut_chain()
        return self.new_ws(self.previous)

    def _cut_chain(self) -> None:
        """Keep as many predecessors linked as batches may be in flight; drop the rest."""
        if not self.inflight:
            self.previous = None
            return
        batch = self.previous
        for _ in range(len(self.inflight) - 1):
            batch = batch.previous if batch is not None else None
        if batch is not None:
            batch.previous = None  # its predecessors are committed

    def submit(self, ws: WorkingSet) -> None:
        """Snapshot ``ws``'s rows, wait until fewer than ``depth`` batches are in flight,
        then send these to commit."""
        rows = ws.prepare()
        while len(self.inflight) >= self.depth:
            self._wait_oldest()
        self.inflight.append(self.pool.submit(self._commit, ws, rows))
        self.previous = ws

    def _commit(self, ws: WorkingSet, rows: PendingRows) -> None:
        """On the writer thread: commit, unless a batch before this one failed (this one
        was decided on top of it and must not commit without it)."""
        if self.failed:
            raise StorageError("not committed: an earlier batch of this ingest failed")
        try:
            self.store.commit_batch(ws, rows)
        except BaseException:
            self.failed = True
            raise

    def drain(self) -> None:
        """Wait until everything submitted is committed; re-raise a failed commit."""
        while self.inflight:
            self._wait_oldest()

    def _wait_oldest(self) -> None:
        """Wait for the oldest batch in flight. If it failed, the batches after it (decided
        on top of it) must not commit: cancel those not started, then re-raise."""
        try:
            self.inflight[0].result()
        except BaseException:
            for later in list(self.inflight)[1:]:
                later.cancel()
            for later in list(self.inflight)[1:]:
                with suppress(BaseException):
                    later.result()
            self.inflight.clear()
            self.store.cache.clear()
            raise
        self.inflight.popleft()
        self.confirmed += 1

    def abandon(self) -> None:
        """After an error: wait for the writer, forget cached rows (they may be uncommitted)."""
        with suppress(Exception):  # the original error is the one worth reporting
            self.drain()
        self.inflight.clear()
        self.store.cache.clear()


@contextmanager
def threaded(
    store: Committer, new_ws: NewWorkingSet, name: str, depth: int = 1
) -> Iterator[ThreadedPipeline]:
    """Run a pipeline with its own writer thread; drain on success, abandon on error."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        pipe = ThreadedPipeline(store, pool, new_ws, depth)
        try:
            yield pipe
            pipe.drain()
        except BaseException:
            pipe.abandon()
            raise
