"""After a set-based account-wide change, the same ingest goes on deciding from its row
cache: the accounts and videos whose counts the change moved must be read again; the edges
and keys it left alone stay cached."""

from __future__ import annotations

import pytest

from ledger_kit import Backend, count_flips, ev

STORED = [
    ev("video.published", 1, video="v1", creator="c1"),
    ev("video.published", 2, video="v2", creator="c1"),
    ev("like", 10, user="fan", video="v1", id_="l1"),
    ev("like", 11, user="fan", video="v2", id_="l2"),
    ev("like", 12, user="ana", video="v1", id_="l3"),
]
# One call, one batch: everything after a status change is decided after its set-based
# transaction, from the cache the first call left.
THEN = [
    ev("account.status", 20, user="fan", status="deactivated", id_="off"),
    ev("like", 21, user="bo", video="v1", id_="l4"),
    ev("unlike", 22, user="ana", video="v1", id_="l5"),
    ev("like", 11, user="fan", video="v2", id_="l2"),  # a retry of l2: a duplicate
    ev("account.status", 30, user="fan", status="active", id_="on"),
]


def test_counts_decided_after_a_set_based_flip_in_the_same_ingest(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with backend.open(flip_threshold=1) as ledger:
        ledger.ingest_objects(STORED)
        assert ledger.count("v1").likes == 2  # the cache now holds v1, v2, c1 and the edges
        flips = count_flips(ledger, monkeypatch)
        report = ledger.ingest_objects(THEN)
        assert len(flips) == 2  # both status changes went set-based
        assert (report.accepted, report.duplicates, report.rejected) == (4, 1, 0)
        assert ledger.count("v1").likes == 2  # bo, and fan again; ana unliked
        assert ledger.count("v2").likes == 1
        assert ledger.explain_creator("c1").end == 3
        assert ledger.reconcile().drift == []


def test_a_flip_drops_the_rows_it_moved_and_keeps_the_rest(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with backend.open(flip_threshold=1) as ledger:
        ledger.ingest_objects(STORED)
        flips = count_flips(ledger, monkeypatch)
        ledger.ingest_objects(THEN[:1])
        cache = ledger.store.cache
        assert len(flips) == 1
        assert cache.videos == {}  # their counts moved: read them again
        assert cache.users == {}
        assert cache.edges  # the change left the like edges and the keys as they were
        assert cache.written_keys
