"""Reconcile on PostgreSQL finds exactly the drift injected by hand and repairs it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from likeledger.ledger import Ledger
from likeledger.results import Drift

from .kit import counts, journal

pytestmark = pytest.mark.postgres
EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))


def test_reconcile_finds_exactly_the_injected_drift_and_repairs_it(pg_url: str) -> None:
    with Ledger.open(pg_url) as ledger:
        for path in EXAMPLES:
            ledger.ingest(path.read_bytes().splitlines())
        assert ledger.reconcile().drift == []
        live, _, totals = counts(ledger)
        truth = ledger.recompute()
        assert (live, {c: t for c, t in totals.items() if t}) == (
            truth.likes,
            {c: t for c, t in truth.totals.items() if t},
        )
        nia = [e for e in journal(ledger) if e[:2] == ("video", "nia-vlog")]
        assert nia
        lost = nia[-1]
        with psycopg.connect(pg_url, autocommit=True) as conn:  # corrupt rows by hand
            conn.execute("UPDATE videos SET likes = likes + 5 WHERE name = 'maya-dance'")
            conn.execute("UPDATE users SET total = total - 1 WHERE name = 'leo'")
            conn.execute(
                "DELETE FROM video_journal WHERE seq = %s AND video_id = "
                "(SELECT video_id FROM video_names WHERE name = 'nia-vlog')",
                (lost[3],),
            )
        found = ledger.reconcile()
        maya, leo, nia_now = live["maya-dance"], totals["leo"], live["nia-vlog"]
        assert sorted(found.drift, key=lambda d: d.subject) == [
            Drift("creator", "leo", leo - 1, leo, leo),
            Drift("video", "maya-dance", maya + 5, maya, maya),
            Drift("video", "nia-vlog", nia_now, nia_now, nia_now - lost[4]),
        ]
        assert found.repaired is False
        assert ledger.count("maya-dance").likes == maya + 5  # reporting changes nothing

        repaired = ledger.reconcile(repair=True)
        assert repaired.repaired is True
        assert len(repaired.drift) == 3
        assert ledger.reconcile().drift == []
        assert counts(ledger)[0] == live
        assert counts(ledger)[2] == totals
        # only the subject whose journal disagreed gets a repair entry, explaining the gap
        repairs = [e for e in journal(ledger) if e[5] == "repair"]
        assert [(e[0], e[1], e[4]) for e in repairs] == [("video", "nia-vlog", lost[4])]
        explained = ledger.explain("nia-vlog")
        assert explained.changes["repair"] == lost[4]
        assert explained.start + sum(explained.changes.values()) == explained.end == nia_now
