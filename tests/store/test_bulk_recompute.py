"""The bulk recompute (DuckDB over the ledger table, ``likeledger.bulk``) on real SQLite files
and real PostgreSQL databases: it equals the pure fold (the oracle) and the incremental
counts on random streams and on the example stories, and reconcile, which now runs on it,
finds exactly the drift injected behind the ledger's back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger_kit import Backend, block, clear, feed, flag, like, probe, pub, status, unlike
from likeledger.ledger import Ledger
from likeledger.recompute import Truth
from likeledger.reconcile import fold_truth, reconcile
from likeledger.results import Drift
from properties.streams import lines_of, streams

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))


def _open(backend: Backend, *, fast: bool = False) -> Ledger:
    """A fresh ledger the bulk engine can read: a SQLite file (not :memory:) or PostgreSQL."""
    ledger = backend.open(backend.commits[-1], fast=fast)
    assert getattr(ledger.store, "path", "") != ":memory:"
    return ledger


def _assert_bulk_is_the_truth(ledger: Ledger) -> Truth:
    """Bulk == fold == the stored incremental counts; the bulk truth."""
    bulk = ledger.store.recompute_bulk()
    assert bulk == fold_truth(ledger.store)
    live, _dead, totals = probe(ledger).counts()
    assert bulk.likes == live
    assert set(bulk.totals) <= set(totals)
    for name, value in totals.items():
        assert bulk.totals.get(name, 0) == value, name
    return bulk


def test_bulk_recompute_equals_the_fold_and_the_incremental_counts(backend: Backend) -> None:
    @backend.examples()
    @given(streams(max_size=80), st.booleans())
    def check(stream: list[dict[str, Any]], fast: bool) -> None:
        with _open(backend, fast=fast) as ledger:
            ledger.ingest(lines_of(stream), batch_size=7 if fast else 10_000)
            _assert_bulk_is_the_truth(ledger)

    check()


def test_the_example_stories_recompute_in_bulk(backend: Backend) -> None:
    assert len(EXAMPLES) >= 9
    for path in EXAMPLES:
        with _open(backend) as ledger:
            ledger.ingest(path.read_bytes().splitlines())
            bulk = _assert_bulk_is_the_truth(ledger)
            assert bulk.likes, path.name
            assert reconcile(ledger.store).drift == [], path.name


def test_last_writer_wins_on_ts_and_a_tie_goes_to_the_later_arrival(backend: Backend) -> None:
    with _open(backend) as ledger:
        feed(ledger, pub("v1", "c", 0), pub("v2", "c", 0), pub("v3", "c", 0))
        feed(ledger, like("a", "v1", 5), unlike("a", "v1", 5))  # tie: the unlike arrived later
        feed(ledger, unlike("a", "v2", 5), like("a", "v2", 5))  # tie: the like arrived later
        feed(ledger, like("a", "v3", 9), unlike("a", "v3", 4), like("b", "v3", 1))  # stale
        bulk = _assert_bulk_is_the_truth(ledger)
        assert bulk.likes == {"v1": 0, "v2": 1, "v3": 2}
        assert bulk.totals == {"c": 3}


def test_flags_blocks_statuses_and_odd_identifiers(backend: Backend) -> None:
    odd = ["q\"u\\o'te", "ünï €", "tab\there", "\u2028nl"]
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0), pub(odd[0], odd[1], 0))
        feed(ledger, *(like(name, "v", 1) for name in [*odd, "x", "y", "z"]))
        feed(ledger, *(like(name, odd[0], 1) for name in ["x", "y", odd[2]]))
        feed(ledger, flag("x", ts=2), flag(odd[2], odd[0], ts=2), clear("x", ts=3))
        feed(ledger, block("c", odd[3], 4), status("y", "banned", 4), status("z", "deleted", 4))
        bulk = _assert_bulk_is_the_truth(ledger)
        assert bulk.likes == {"v": 4, odd[0]: 1}
        assert bulk.totals == {"c": 4, odd[1]: 1}


def test_injected_drift_is_found_exactly_and_repaired(backend: Backend) -> None:
    with _open(backend) as ledger:
        feed(ledger, pub("v1", "c1", 0), pub("v2", "c2", 0))
        feed(ledger, like("a", "v1", 1), like("b", "v1", 2), like("a", "v2", 3))
        damage = probe(ledger)
        damage.add_likes("v1", 10)
        damage.add_total("c2", -1)
        found = reconcile(ledger.store)
        assert found.drift == [
            Drift("video", "v1", 12, 2, 2),
            Drift("creator", "c2", 0, 1, 1),
        ]
        assert found.drift == reconcile(ledger.store, truth_of=fold_truth).drift
        assert found.events == 5
        assert reconcile(ledger.store, repair=True).repaired
        assert reconcile(ledger.store).drift == []
        assert probe(ledger).counts()[0] == {"v1": 2, "v2": 1}
