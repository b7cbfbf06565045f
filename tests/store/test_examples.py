"""The stories of examples/ on every backend: the same reports, state, answers and journal
as a plain in-memory SQLite ledger, whatever the batch size or the fast paths; and
reconcile finds exactly the drift injected by hand, and repairs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger_kit import (
    WINDOWS,
    Backend,
    answers,
    count_flips,
    journal,
    probe,
    snapshot,
    stored_counts,
)
from likeledger.errors import QueryError
from likeledger.ledger import Ledger
from likeledger.results import Drift

EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))


def _stories(ledger: Ledger, batch_size: int = 10_000) -> list[Any]:
    """Ingest every example file; the reports."""
    return [
        ledger.ingest(path.read_bytes().splitlines(), source=path.name, batch_size=batch_size)
        for path in EXAMPLES
    ]


def _visibility(ledger: Ledger) -> list[object]:
    """Every video (and one never published) as seen by every account and a stranger."""
    live, dead, totals = stored_counts(ledger)
    out: list[object] = []
    for video in sorted({*live, *dead, "never-published"}):
        for viewer in [*sorted(totals), "a-stranger"]:
            try:
                out.append(ledger.visible(video, viewer).to_json())
            except QueryError as exc:
                out.append(exc.code)
    return out


@pytest.fixture(scope="module")
def reference() -> Any:
    """The examples in memory on SQLite, one batch per file: what every backend must give."""
    with Ledger.open(":memory:") as ledger:
        reports = _stories(ledger)
        yield reports, snapshot(ledger), answers(ledger, WINDOWS), _visibility(ledger)


@pytest.mark.parametrize("fast", [False, True], ids=["general", "fast-paths"])
def test_the_examples_give_the_reference_ledger(
    backend: Backend, reference: Any, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches (several pipelined commits per file); with ``fast`` every account-wide
    change goes set-based and every subject gets roll-ups."""
    assert len(EXAMPLES) >= 9
    with backend.open(fast=fast) as ledger:
        flips = count_flips(ledger, monkeypatch)
        assert _stories(ledger, batch_size=4) == reference[0]
        assert ledger.head() > 60
        assert bool(flips) is fast  # the set-based path really ran, and only when forced
        assert snapshot(ledger) == reference[1]
        assert answers(ledger, WINDOWS) == reference[2]
        assert _visibility(ledger) == reference[3]
        report = ledger.reconcile()
        assert (report.drift, report.events) == ([], ledger.head())


def test_a_reopened_ledger_answers_the_same(backend: Backend) -> None:
    """A second process (a fresh handle) sees exactly what the first wrote."""
    url = backend.fresh()
    with Ledger.open(url) as first:
        _stories(first)
        before = snapshot(first), answers(first, WINDOWS)
    with Ledger.open(url) as second:
        assert (snapshot(second), answers(second, WINDOWS)) == before
        again = second.ingest(EXAMPLES[0].read_bytes().splitlines())
        assert again.accepted == 0  # every keyed line is a duplicate now
        assert again.duplicates > 0


def test_reconcile_finds_exactly_the_injected_drift_and_repairs_it(backend: Backend) -> None:
    with backend.open() as ledger:
        _stories(ledger)
        assert ledger.reconcile().drift == []
        live, _, totals = stored_counts(ledger)
        truth = ledger.recompute()
        assert (live, {c: t for c, t in totals.items() if t}) == (
            truth.likes,
            {c: t for c, t in truth.totals.items() if t},
        )
        lost = [e for e in journal(ledger) if e[:2] == ("video", "nia-vlog")][-1]
        damage = probe(ledger)  # corrupt rows by hand
        damage.add_likes("maya-dance", 5)
        damage.add_total("leo", -1)
        assert damage.lose_entry("video", "nia-vlog", lost[3]) == lost[4]
        found = ledger.reconcile()
        maya, leo, nia = live["maya-dance"], totals["leo"], live["nia-vlog"]
        assert sorted(found.drift, key=lambda d: d.subject) == [
            Drift("creator", "leo", leo - 1, leo, leo),
            Drift("video", "maya-dance", maya + 5, maya, maya),
            Drift("video", "nia-vlog", nia, nia, nia - lost[4]),
        ]
        assert found.repaired is False
        assert ledger.count("maya-dance").likes == maya + 5  # reporting changes nothing
        _check_repair(ledger, live, totals, lost[4])


def _check_repair(ledger: Ledger, live: dict[str, int], totals: dict[str, int], gap: int) -> None:
    repaired = ledger.reconcile(repair=True)
    assert repaired.repaired is True
    assert len(repaired.drift) == 3
    assert ledger.reconcile().drift == []
    assert stored_counts(ledger)[0] == live
    assert stored_counts(ledger)[2] == totals
    # only the subject whose journal disagreed gets a repair entry, explaining the gap
    repairs = [e for e in journal(ledger) if e[5] == "repair"]
    assert [(e[0], e[1], e[4]) for e in repairs] == [("video", "nia-vlog", gap)]
    explained = ledger.explain("nia-vlog")
    assert explained.changes["repair"] == gap
    assert explained.start + sum(explained.changes.values()) == explained.end == live["nia-vlog"]
