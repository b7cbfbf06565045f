"""The storage port: what the Ledger needs from a backend, and nothing more.

A backend provides atomic batch writes over a :class:`~.workingset.WorkingSet` (the engine's
view of state), an in-order pipeline of such batches, and a few read queries. SQLite is
``sqlite.py``; every backend runs the same contract tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from .workingset import WorkingSet

if TYPE_CHECKING:
    from ..bulk.export import LedgerExport
    from ..engine import AccountFlip
    from ..events import Event
    from ..recompute import Truth


class BatchPipeline(Protocol):
    """Batches decided in order and committed in that order, a few at most in flight."""

    confirmed: int  # how many submitted batches (the oldest) are known to have committed

    def begin(self) -> WorkingSet: ...
    def submit(self, ws: WorkingSet) -> None: ...

    def drain(self) -> None:
        """Wait until every submitted batch is committed."""
        ...


class Store(Protocol):
    """A ledger backend (SQLite, PostgreSQL)."""

    def close(self) -> None: ...
    def lock(self) -> AbstractContextManager[None]:
        """Exclusive writer lock for a whole ingest or reconcile run."""
        ...

    def pipeline(self) -> AbstractContextManager[BatchPipeline]: ...
    def write(self) -> AbstractContextManager[WorkingSet]:
        """One atomic write transaction; the store methods below see its writes."""
        ...

    def read(self) -> AbstractContextManager[WorkingSet]:
        """A consistent read-only view."""
        ...

    def head(self) -> int: ...
    def count_row(self, video: str) -> tuple[int, bool, str, int] | None:
        """(likes, deleted, creator name, ledger head) of a video, or None when unknown."""
        ...

    @property
    def rollup_from(self) -> int:
        """Subjects with more journal entries than this have hourly roll-ups."""
        ...

    def journal_window(
        self, kind: int, subject: int, since: int, until: int, *, rolled: bool
    ) -> dict[int, list[int]]:
        """Per cause code: [sum of deltas, number of entries] for since <= ts < until;
        ``rolled`` says whether the subject has roll-ups to read whole hours from."""
        ...

    def ledger_rows(self) -> Iterator[tuple[int, str, int, bytes, bool]]:
        """(seq, type, ts, payload, stale) of every accepted event, in ledger order."""
        ...

    def ledger_rows_at(self, seqs: list[int]) -> list[tuple[int, str, int, bytes]]:
        """(seq, type, ts, payload) of the ledger rows with these seqs (those that exist)."""
        ...

    def recompute_bulk(self, export: LedgerExport | None = None) -> Truth:
        """Every count and total recomputed from the ledger set-based (likeledger.bulk);
        with ``export``, from that columnar copy of the ledger, brought up to date first."""
        ...

    def journal_sums(self) -> dict[tuple[int, int], int]:
        """Sum of journal deltas per (kind code, subject id)."""
        ...

    def live_videos(self) -> list[tuple[int, str, int]]:
        """(id, name, likes) of every video that is not deleted."""
        ...

    def user_totals(self) -> list[tuple[int, str, int]]:
        """(id, name, total) of every account."""
        ...

    def impressions(self, kind: int, subject: int, since: int, until: int) -> int:
        """Impressions of a video (kind 0) or a creator's videos (kind 1) in [since, until),
        counted by hour bucket."""
        ...

    def ranking_versions(self, until: int) -> list[tuple[int, str]]:
        """(ts, version) of every ranking.version before ``until``, oldest first."""
        ...

    def liked_count(self, uid: int, at_most: int | None = None) -> int:
        """Stored liked edges of one account, counted up to ``at_most``: decides when a
        set-based cascade pays."""
        ...

    def apply_account_flip(self, event: Event, flip: AccountFlip) -> int:
        """Apply an accepted account-wide change set-based in its own transaction; its seq."""
        ...

    def last_ts(self) -> int:
        """The latest event time in the ledger."""
        ...
