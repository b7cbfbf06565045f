"""Reconcile: recompute every count from the ledger and compare with the incremental state.

Runs inside one write transaction (so nothing moves underneath). With ``repair`` the stored
counters are set to the recomputed truth, and wherever the journal's sum disagrees with the
truth a ``repair`` entry makes up the difference, so explanations keep adding up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson

from .engine import CREATOR, VIDEO
from .recompute import Truth, recompute
from .results import Drift, ReconcileReport
from .store.sqlite import SQLiteStore, SQLiteWorkingSet


def reconcile(
    store: SQLiteStore, *, repair: bool = False, clock: Callable[[], float] = time.time
) -> ReconcileReport:
    """Compare stored counts and journal sums with a from-scratch recompute; optionally fix."""
    with store.write() as ws:
        conn = ws.conn
        events = [
            (t, ts, orjson.loads(p))
            for t, ts, p in conn.execute("SELECT type, ts, payload FROM ledger ORDER BY seq")
        ]
        truth = recompute(events)
        journal = {
            (k, s): total
            for k, s, total in conn.execute(
                "SELECT kind, subject, sum(delta) FROM journal GROUP BY kind, subject"
            )
        }
        report = ReconcileReport(events=len(events))
        found = _video_drift(ws, truth, journal, report) + _creator_drift(
            ws, truth, journal, report
        )
        report.drift = [drift for drift, _ in found]
        if repair and found:
            seq, ts = ws.cache.head, int(clock() * 1000)
            for drift, subject in found:
                _repair(ws, drift, subject, seq=seq, ts=ts)
            report.repaired = True
    return report


def _video_drift(
    ws: SQLiteWorkingSet, truth: Truth, journal: dict[tuple[int, int], int], report: ReconcileReport
) -> list[tuple[Drift, int]]:
    found = []
    for vid, name, likes in ws.conn.execute("SELECT id, name, likes FROM videos WHERE deleted = 0"):
        report.videos += 1
        expected, logged = truth.likes.get(name, 0), journal.get((0, vid), 0)
        if likes != expected or logged != expected:
            found.append((Drift(VIDEO, name, likes, expected, logged), vid))
    return found


def _creator_drift(
    ws: SQLiteWorkingSet, truth: Truth, journal: dict[tuple[int, int], int], report: ReconcileReport
) -> list[tuple[Drift, int]]:
    found = []
    for uid, name, total in ws.conn.execute("SELECT id, name, total FROM users"):
        report.creators += 1
        expected, logged = truth.totals.get(name, 0), journal.get((1, uid), 0)
        if total != expected or logged != expected:
            found.append((Drift(CREATOR, name, total, expected, logged), uid))
    return found


def _repair(ws: SQLiteWorkingSet, drift: Drift, subject: int, *, seq: int, ts: int) -> None:
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
