"""`likeledger reconcile` through the real entry point: exit codes, repair, --json shape."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger_kit import like, pub

from .runner import likeledger, write_events


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    events = write_events(
        tmp_path / "e.jsonl", pub("v", "c", 1), like("a", "v", 2), like("b", "v", 3)
    )
    assert likeledger("ingest", events, db=path).code == 0
    return path


def test_a_healthy_ledger_reconciles_with_exit_0(db: Path) -> None:
    result = likeledger("reconcile", "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert body["drift"] == []
    assert body["events"] == 3
    assert body["repaired"] is False
    human = likeledger("reconcile", db=db)
    assert human.code == 0
    assert "0 drifted" in human.out


def test_drift_exits_1_without_repair_and_repair_fixes_it(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE videos SET likes = 7 WHERE name = 'v'")
    result = likeledger("reconcile", "--json", db=db)
    assert result.code == 1
    drift = result.json()["drift"]
    assert drift == [
        {"kind": "video", "subject": "v", "stored": 7, "expected": 2, "journal_sum": 2}
    ]
    assert likeledger("count", "v", "--json", db=db).json()["likes"] == 7  # not repaired

    repaired = likeledger("reconcile", "--repair", "--json", db=db)
    assert repaired.code == 0
    assert repaired.json()["repaired"] is True
    assert likeledger("count", "v", "--json", db=db).json()["likes"] == 2
    assert likeledger("reconcile", db=db).code == 0
    # the journal already agreed, so no repair entry was written
    assert "repair" not in likeledger("explain", "v", "--json", db=db).json()["changes"]


def test_repair_of_the_journal_is_explained(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM journal WHERE seq = 3")
        conn.execute("DELETE FROM journal_hourly")
        conn.execute(
            "INSERT INTO journal_hourly SELECT kind, subject, ts / 3600000, cause, sum(delta), "
            "count(*) FROM journal GROUP BY kind, subject, ts / 3600000, cause"
        )
    human = likeledger("reconcile", "--repair", db=db)
    assert human.code == 0
    assert "repaired" in human.out
    body = likeledger("explain", "v", "--json", db=db).json()
    assert body["changes"] == {"like": 1, "repair": 1}
    assert (body["start"], body["end"]) == (0, 2)
    assert likeledger("reconcile", db=db).code == 0
