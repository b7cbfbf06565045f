"""The examples/ through SQLite and PostgreSQL: the same reports, state, answers and journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from likeledger.errors import QueryError
from likeledger.ledger import Ledger
from likeledger.store import postgres

from .kit import WINDOWS, answers, counts, journal_multiset, snapshot

pytestmark = pytest.mark.postgres
EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))


def _visibility(ledger: Ledger, videos: list[str], viewers: list[str]) -> list[object]:
    out: list[object] = []
    for video in videos:
        for viewer in [*viewers, "a-stranger"]:
            try:
                out.append(ledger.visible(video, viewer).to_json())
            except QueryError as exc:
                out.append(exc.code)
    return out


def test_examples_give_identical_ledgers_on_both_backends(pg_url: str, tmp_path: Path) -> None:
    assert len(EXAMPLES) >= 9
    with Ledger.open(str(tmp_path / "ledger.db")) as lite, Ledger.open(pg_url) as pg:
        for path in EXAMPLES:
            lines = path.read_bytes().splitlines()
            # small batches: several pipelined commits per file on both backends
            reports = [
                ledger.ingest(lines, source=path.name, batch_size=4) for ledger in (lite, pg)
            ]
            assert reports[0] == reports[1], path.name
            assert reports[1].accepted > 0
        assert pg.head() == lite.head() > 60
        assert snapshot(pg) == snapshot(lite)
        assert journal_multiset(pg) == journal_multiset(lite)
        windows = [*WINDOWS, (0, 1_796_000_000_000), (1_795_000_000_000, None)]
        assert answers(pg, windows) == answers(lite, windows)
        every_video = sorted({*counts(pg)[0], *counts(pg)[1], "never-published"})
        users = sorted(counts(pg)[2])
        assert _visibility(pg, every_video, users) == _visibility(lite, every_video, users)
        for ledger in (lite, pg):
            report = ledger.reconcile()
            assert report.drift == []
            assert report.events == ledger.head()


def test_ledger_reopened_on_postgres_answers_the_same(pg_url: str) -> None:
    """A second process (a fresh handle) sees exactly what the first wrote."""
    with Ledger.open(pg_url) as first:
        for path in EXAMPLES:
            first.ingest(path.read_bytes().splitlines())
        before = snapshot(first), answers(first, WINDOWS)
    with Ledger.open(pg_url) as second:
        assert (snapshot(second), answers(second, WINDOWS)) == before
        again = second.ingest(EXAMPLES[0].read_bytes().splitlines())
        assert again.accepted == 0  # every keyed line is a duplicate now
        assert again.duplicates > 0


def test_fast_paths_on_postgres_change_no_answer(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-based account-wide cascades and roll-ups for every subject (thresholds of 1) on
    PostgreSQL give what SQLite gives on its default path."""
    flips: list[int] = []
    run_account_flip = postgres.run_account_flip

    def counted(*args: Any) -> None:
        flips.append(1)
        run_account_flip(*args)

    monkeypatch.setattr(postgres, "run_account_flip", counted)
    knobs: dict[str, Any] = {"flip_threshold": 1, "rollup_from": 1}
    with Ledger.open(str(tmp_path / "l.db")) as lite, Ledger.open(pg_url, **knobs) as pg:
        for path in EXAMPLES:
            lines = path.read_bytes().splitlines()
            assert pg.ingest(lines, batch_size=3) == lite.ingest(lines)
        assert len(flips) >= 3  # deactivation, return, ban, purge: set-based on PostgreSQL
        assert snapshot(pg) == snapshot(lite)
        assert answers(pg, WINDOWS) == answers(lite, WINDOWS)
        assert pg.reconcile().drift == []
