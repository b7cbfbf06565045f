"""Backend equivalence: for random event streams SQLite and PostgreSQL end identical.

Same ingest reports, ledger rows, state, counts, journal (with sequence numbers) and
explanations, whatever the batch size (pipelined commits), the fast-path thresholds and
whether PostgreSQL commits in a writer process (two batches in flight).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_kit import answers, journal_multiset, snapshot
from likeledger.ledger import Ledger
from pgcluster import PgPool
from properties.streams import HOUR, lines_of, streams

pytestmark = pytest.mark.postgres
JUNK = [b"{", b"", b'{"type": "like", "ts": 1.5, "user": "u0", "video": "v0"}']
knobs = st.fixed_dictionaries(
    {
        "batch_size": st.sampled_from([1, 7, 10_000]),
        "rollup_from": st.sampled_from([1, 512]),
        "flip_threshold": st.sampled_from([1, None]),
        "writer_process": st.booleans(),  # PostgreSQL only: commits in a forked process
    }
)


@settings(max_examples=30)
@given(stream=streams(), knob=knobs)
def test_sqlite_and_postgres_agree(
    pg_pool: PgPool, stream: list[dict[str, Any]], knob: Any
) -> None:
    lines = lines_of(stream, junk=JUNK)
    url = pg_pool.fresh()
    batch, forked = knob.pop("batch_size"), knob.pop("writer_process")
    with (
        Ledger.open(":memory:", **knob) as lite,
        Ledger.open(url, writer_process=forked, **knob) as pg,
    ):
        reports = [ledger.ingest(lines, batch_size=batch) for ledger in (lite, pg)]
        assert reports[0] == reports[1]
        assert reports[1].accepted == pg.head()
        assert snapshot(pg) == snapshot(lite)
        assert journal_multiset(pg) == journal_multiset(lite)
        windows = [(None, None), (HOUR, None), (None, 2 * HOUR), (HOUR // 2, 5 * HOUR)]
        assert answers(pg, windows) == answers(lite, windows)
        report = pg.reconcile()
        assert report.drift == []
        assert report.events == pg.head()
