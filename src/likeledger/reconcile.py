"""Reconcile: recompute every count from the ledger and compare with the incremental state.

The truth comes from the store's bulk recompute (set-based, DuckDB: ``likeledger.bulk``);
:func:`fold_truth`, the pure event-by-event fold, gives the same answer and is the oracle
of the tests. Runs inside one write transaction under the writer lock (so nothing moves
underneath).
With ``repair`` the stored counters are set to the recomputed truth, and wherever the
journal's sum disagrees with the truth a ``repair`` entry makes up the difference, so
explanations keep adding up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson

from .engine import CREATOR, VIDEO
from .recompute import Truth, recompute
from .results import Drift, ReconcileReport
from .store.base import Store
from .store.workingset import KIND_CODES, WorkingSet

if TYPE_CHECKING:
    from .bulk.export import LedgerExport


def bulk_truth(store: Store) -> Truth:
    """The truth from the store's set-based bulk recompute (the default)."""
    return store.recompute_bulk()


def fold_truth(store: Store) -> Truth:
    """The truth from the pure fold over every ledger event (slow; the tests' oracle)."""
    return recompute(
        (etype, ts, orjson.loads(data)) for _, etype, ts, data, _ in store.ledger_rows()
    )


def reconcile(
    store: Store,
    *,
    repair: bool = False,
    clock: Callable[[], float] = time.time,
    truth_of: Callable[[Store], Truth] = bulk_truth,
    export: str | os.PathLike[str] | None = None,
) -> ReconcileReport:
    """Compare stored counts and journal sums with a from-scratch recompute; optionally fix.

    With ``export`` (a folder), the recompute reads a columnar copy of the ledger kept
    there (``likeledger.bulk.export``), to which each run appends only the events committed
    since the previous one; ``truth_of`` is then not used."""
    with store.lock(), store.write() as ws:
        copy = _ledger_copy(export)
        truth = truth_of(store) if copy is None else store.recompute_bulk(copy)
        journal = store.journal_sums()
        report = ReconcileReport(events=store.head())  # seqs are gapless from 1
        report.export = None if copy is None else copy.last
        found: list[tuple[Drift, int]] = []
        videos, users = store.live_videos(), store.user_totals()
        report.videos, report.creators = len(videos), len(users)
        for kind, rows, expected in ((VIDEO, videos, truth.likes), (CREATOR, users, truth.totals)):
            for subject, name, stored in rows:
                want, logged = expected.get(name, 0), journal.get((KIND_CODES[kind], subject), 0)
                if stored != want or logged != want:
                    found.append((Drift(kind, name, stored, want, logged), subject))
        report.drift = [drift for drift, _ in found]
        if repair and found:
            seq, ts = store.head(), int(clock() * 1000)
            for drift, subject in found:
                _repair(ws, drift, subject, seq=seq, ts=ts)
            report.repaired = True
    return report


def _ledger_copy(export: str | os.PathLike[str] | None) -> LedgerExport | None:
    if export is None:
        return None
    from .bulk.export import LedgerExport  # duckdb is imported only when needed

    return LedgerExport(export)


def _repair(ws: WorkingSet, drift: Drift, subject: int, *, seq: int, ts: int) -> None:
    if drift.kind == VIDEO:
        video = ws.video_by_id(subject)
        video.likes = drift.expected
        ws.touch(video)
    else:
        user = ws.user_by_id(subject)
        user.total = drift.expected
        ws.touch(user)
    if drift.journal != drift.expected:
        ws.record_repair(drift.kind, subject, seq=seq, ts=ts, delta=drift.expected - drift.journal)
