"""One long ingest keeps its row cache bounded: past ``RowCache.MAX_ROWS`` the pipeline lets
the batch in flight commit and reloads, and deciding goes on exactly, with the keys seen
before a reload still caught as retries or conflicts."""

from __future__ import annotations

import pytest

from ledger_kit import ev
from likeledger.ledger import Ledger
from likeledger.store.rows import RowCache

LIMIT = 20
PUBLISHED = [ev("video.published", 1, video=f"v{n}", creator="c1", id_=f"p{n}") for n in range(3)]
LIKES = [ev("like", 10 + i, user=f"u{i}", video=f"v{i % 3}", id_=f"l{i}") for i in range(30)]
RETRIES = LIKES[::5]  # the same ids and content again: duplicates
CONFLICT = ev("like", 999, user="u1", video="v2", id_="l0")  # id l0 with other content
UNLIKES = [ev("unlike", 100 + i, user=f"u{i}", video="v0", id_=f"x{i}") for i in range(0, 30, 3)]


def test_a_long_ingest_reloads_its_cache_and_stays_exact(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RowCache, "MAX_ROWS", LIMIT)
    reloads: list[int] = []
    refresh = ledger.store.refresh_cache

    def counted() -> None:
        reloads.append(ledger.store.cache.size())
        refresh()

    monkeypatch.setattr(ledger.store, "refresh_cache", counted)
    report = ledger.ingest_objects(PUBLISHED + LIKES + RETRIES + [CONFLICT] + UNLIKES, batch_size=5)
    assert len(reloads) >= 5  # the first when the ingest starts, the rest over the limit
    assert all(size > LIMIT for size in reloads[1:])
    assert ledger.store.cache.size() <= 2 * LIMIT
    assert (report.accepted, report.duplicates) == (3 + 30 + 10, len(RETRIES))
    assert [(e.code, e.line) for e in report.errors] == [("id_conflict", 3 + 30 + 6 + 1)]
    assert [ledger.count(f"v{n}").likes for n in range(3)] == [0, 10, 10]
    assert ledger.explain_creator("c1").end == 20
    assert ledger.reconcile().drift == []
