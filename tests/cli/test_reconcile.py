"""`likeledger reconcile` through the real entry point: exit codes, repair, --json shape,
on a ledger in a file and at a ``postgresql://`` URL (drift is injected with each backend's
own SQL, through ``probe_at``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_kit import Backend, like, probe_at, pub

from .runner import likeledger, write_events


@pytest.fixture
def db(backend: Backend, tmp_path: Path) -> str:
    """c's video v with two likes (seq 2 and 3)."""
    where = backend.fresh()
    events = write_events(
        tmp_path / "e.jsonl", pub("v", "c", 1), like("a", "v", 2), like("b", "v", 3)
    )
    assert likeledger("ingest", events, db=where).code == 0
    return where


def test_a_healthy_ledger_reconciles_with_exit_0(db: str) -> None:
    result = likeledger("reconcile", "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert body["drift"] == []
    assert body["events"] == 3
    assert body["repaired"] is False
    human = likeledger("reconcile", db=db)
    assert human.code == 0
    assert "0 drifted" in human.out


def test_drift_exits_1_without_repair_and_repair_fixes_it(db: str) -> None:
    with probe_at(db) as damage:
        damage.add_likes("v", 5)
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


def test_repair_of_the_journal_is_explained(db: str) -> None:
    with probe_at(db) as damage:  # lose b's like (seq 3) from both journals
        assert damage.lose_entry("video", "v", 3) == damage.lose_entry("creator", "c", 3) == 1
    human = likeledger("reconcile", "--repair", db=db)
    assert human.code == 0
    assert "repaired" in human.out
    body = likeledger("explain", "v", "--json", db=db).json()
    assert body["changes"] == {"like": 1, "repair": 1}
    assert (body["start"], body["end"]) == (0, 2)
    total = likeledger("explain", "--creator", "c", "--json", db=db).json()
    assert total["changes"] == {"like": 1, "repair": 1}
    assert likeledger("reconcile", db=db).code == 0


def test_export_keeps_a_copy_that_later_runs_extend(db: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    first = likeledger("reconcile", "--export", str(copy), "--json", db=db)
    assert first.code == 0
    assert first.json()["export"] == {"reused_through": 0, "through": 3, "rebuilt": False}
    events = write_events(tmp_path / "more.jsonl", like("d", "v", 4))
    assert likeledger("ingest", events, db=db).code == 0
    with probe_at(db) as damage:
        damage.add_likes("v", 5)
    second = likeledger("reconcile", "--export", str(copy), "--json", db=db)
    assert second.code == 1  # the drift is found from the copy too
    assert second.json()["export"] == {"reused_through": 3, "through": 4, "rebuilt": False}
    assert second.json()["drift"] == [
        {"kind": "video", "subject": "v", "stored": 8, "expected": 3, "journal_sum": 3}
    ]
    human = likeledger("reconcile", "--repair", "--export", str(copy), db=db)
    assert human.code == 0
    assert "ledger copy: events 1-4 reused, now through event 4" in human.out


def test_export_to_a_path_that_is_a_file_is_refused(db: str, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    result = likeledger("reconcile", "--export", str(tmp_path / "f"), db=db)
    assert result.code == 2
    assert "is a file" in result.err
