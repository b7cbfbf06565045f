"""The fast paths change nothing observable: set-based account-wide cascades and hourly
roll-ups give the same counts, journal and explanations as the like-by-like path, on
either backend.

Thresholds of 1 force every account-wide change of an account with a like through the
set-based SQL, and every subject with two entries onto roll-ups (backfilled on crossing).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger_kit import Backend, Window, journal_multiset, stored_counts
from likeledger.errors import QueryError
from likeledger.ledger import Ledger

from .streams import HOUR, lines_of, streams


def _explanations(ledger: Ledger, windows: list[Window]) -> list[Any]:
    out = []
    live, _, totals = stored_counts(ledger)
    for since, until in windows:
        out += [ledger.explain(video, since, until).to_json() for video in sorted(live)]
        for creator in sorted(totals):
            try:
                out.append(ledger.explain_creator(creator, since, until).to_json())
            except QueryError:
                out.append(None)
    return out


windows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 30 * HOUR)),
        st.one_of(st.none(), st.integers(0, 30 * HOUR)),
    ).map(lambda w: w if None in w or w[0] <= w[1] else (w[1], w[0])),
    min_size=1,
    max_size=4,
)


def test_set_based_cascades_and_rollups_match_the_general_path(backend: Backend) -> None:
    @backend.examples(150)
    @given(streams(max_size=60), windows)
    def check(stream: list[dict[str, Any]], spans: list[Window]) -> None:
        lines = lines_of(stream)
        with (
            backend.open(flip_threshold=None, rollup_from=10**9) as plain,
            backend.open(fast=True) as fast,
        ):
            assert fast.ingest(lines, batch_size=7) == plain.ingest(lines, batch_size=7)
            assert stored_counts(fast) == stored_counts(plain)
            assert journal_multiset(fast) == journal_multiset(plain)
            assert _explanations(fast, spans) == _explanations(plain, spans)
            assert fast.reconcile().drift == []

    check()
