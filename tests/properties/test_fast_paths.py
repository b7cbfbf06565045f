"""The fast paths change nothing observable: set-based account-wide cascades and hourly
roll-ups give the same counts, journal and explanations as the like-by-like path.

Thresholds of 1 force every account-wide change of an account with a like through the
set-based SQL, and every subject with two entries onto roll-ups (backfilled on crossing).
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_kit import journal_multiset, stored_counts
from likeledger.errors import QueryError
from likeledger.ledger import Ledger

from .streams import HOUR, lines_of, streams


def _run(stream: list[dict[str, Any]], folder: Path, name: str, **knobs: Any) -> Ledger:
    ledger = Ledger.open(str(folder / f"{name}.db"), durable=False, **knobs)
    ledger.ingest(lines_of(stream), batch_size=7)
    return ledger


def _explanations(ledger: Ledger, windows: list[tuple[int | None, int | None]]) -> list[Any]:
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


@settings(max_examples=150)
@given(streams(max_size=60), windows)
def test_set_based_cascades_and_rollups_match_the_general_path(
    stream: list[dict[str, Any]], spans: list[tuple[int | None, int | None]]
) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = _run(stream, folder, "plain", flip_threshold=None, rollup_from=10**9)
        fast = _run(stream, folder, "fast", flip_threshold=1, rollup_from=1)
        try:
            assert stored_counts(fast) == stored_counts(plain)
            assert journal_multiset(fast) == journal_multiset(plain)
            assert _explanations(fast, spans) == _explanations(plain, spans)
            assert fast.reconcile().drift == []
        finally:
            plain.close()
            fast.close()
