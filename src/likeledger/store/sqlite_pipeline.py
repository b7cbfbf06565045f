"""The inline pipeline: for single-connection (``:memory:``) SQLite databases each batch
commits as soon as it is submitted, through the same interface as the threaded one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sqlite_rows import SQLiteWorkingSet
from .workingset import WorkingSet

if TYPE_CHECKING:
    from .sqlite import SQLiteStore


class InlinePipeline:
    """Decide and commit each batch on the calling thread."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.confirmed = 0
        store.refresh_cache()

    def begin(self) -> SQLiteWorkingSet:
        if self.store.cache.needs_reload():
            self.store.refresh_cache()
        return SQLiteWorkingSet(self.store.conn, self.store.cache)

    def submit(self, ws: WorkingSet) -> None:
        self.store.commit_batch(ws, ws.prepare())
        self.confirmed += 1

    def drain(self) -> None:
        """Nothing is ever in flight."""
