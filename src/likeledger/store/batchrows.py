"""Batch bookkeeping for the working set: the ledger, journal and roll-up rows of a batch.

Each accepted (or stale) event gets its sequence number here and queues its ledger row and
one journal row per changed count; the hourly roll-ups and the subjects crossing the roll-up
threshold are kept in step. ``prepare`` (in :mod:`~likeledger.store.workingset`) hands them
to the backend's writer. A mixin that ``WorkingSet`` inherits (not a helper object), so
recording an event costs no extra call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import Outcome
from ..events import Event
from ..model import User, Video
from .rows import CAUSE_CODES, HOUR_MS, Content, RowCache


class BatchRecorder:
    """Queues one batch's ledger, journal and roll-up rows as events are recorded."""

    if TYPE_CHECKING:  # provided by WorkingSet
        cache: RowCache
        keys: dict[str, Content | None]
        dirty_users: set[User]
        dirty_videos: set[Video]
        ledger_rows: list[tuple[int, str | None, str, int, bytes, int]]
        journal_rows: list[tuple[int, int, int, int, int, int]]
        rollup: dict[tuple[int, int, int, int], list[int]]
        backfill: set[tuple[int, int]]

        def user_by_id(self, uid: int) -> User: ...
        def video_by_id(self, vid: int) -> Video: ...

    def record(self, event: Event, outcome: Outcome) -> int:
        """Give an accepted (or stale) event its sequence number and queue its rows."""
        seq = self.cache.head = self.cache.head + 1
        content = event.content
        self.ledger_rows.append(
            (seq, event.key, event.type, event.ts, content[2], int(outcome.status == "stale"))
        )
        if event.key is not None:
            self.keys[event.key] = content
            if self.cache.stored_head == 0:
                self.cache.written_keys.add(event.key)
        for kind_name, subject, delta, cause_name in outcome.changes:
            self._journal(kind_name, subject, event.ts, seq, delta, CAUSE_CODES[cause_name])
        return seq

    def record_repair(self, kind: str, subject: int, *, seq: int, ts: int, delta: int) -> None:
        """Queue a ``repair`` journal entry written by reconciliation."""
        self._journal(kind, subject, ts, seq, delta, CAUSE_CODES["repair"])

    def _journal(
        self, kind_name: str, subject: int, ts: int, seq: int, delta: int, cause: int
    ) -> None:
        """Queue one journal row; keep the subject's entry count and its roll-ups in step."""
        row: User | Video
        if kind_name == "video":
            kind, row = 0, self.cache.videos_by_id.get(subject) or self.video_by_id(subject)
            self.dirty_videos.add(row)
        else:
            kind, row = 1, self.cache.users_by_id.get(subject) or self.user_by_id(subject)
            self.dirty_users.add(row)
        row.entries += 1
        self.journal_rows.append((kind, subject, ts, seq, delta, cause))
        if row.entries <= self.cache.rollup_from:
            return
        key = (kind, subject)
        if row.entries == self.cache.rollup_from + 1:
            self.backfill.add(key)  # crossing now: rolled up from the raw rows at write time
        if key in self.backfill:
            return
        slot = (kind, subject, ts // HOUR_MS, cause)
        total = self.rollup.get(slot)
        if total is None:
            self.rollup[slot] = [delta, 1]
        else:
            total[0] += delta
            total[1] += 1
