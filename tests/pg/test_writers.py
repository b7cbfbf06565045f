"""Several writers on one PostgreSQL ledger: commit order equals sequence order, always.

Two ingest processes at once never interleave batches; a batch decided on state that
another writer has since changed is refused, never committed out of order; a handle whose
cache another writer made stale notices and reloads. (An ingest killed mid-run and retried
is tests/cli/test_crash.py, which runs on both backends.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from ledger_kit import like, pub, stored_counts, unlike
from likeledger import engine
from likeledger.errors import StorageError
from likeledger.events import parse_object
from likeledger.ledger import Ledger
from likeledger.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres
BATCH = 40
WRITER = textwrap.dedent(
    """
    import sys, time, orjson
    from pathlib import Path
    from likeledger.ledger import Ledger
    url, source, go, batch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    with Ledger.open(url) as ledger:
        while not go.exists():
            time.sleep(0.005)
        start = time.time()
        report = ledger.ingest(source.read_bytes().splitlines(), batch_size=batch)
        print(orjson.dumps({"accepted": report.accepted, "rejected": report.rejected,
                            "start": start, "end": time.time()}).decode())
    """
)


def _events(tag: str, n: int) -> list[dict[str, Any]]:
    """One writer's stream: its creator publishes 10 videos, then its users like them."""
    events = [pub(f"{tag}v{i}", f"{tag}c", i, id_=f"{tag}-{i:05}") for i in range(10)]
    for i in range(10, n):
        events.append(like(f"{tag}u{i % 97}", f"{tag}v{i % 10}", i, id_=f"{tag}-{i:05}"))
    return events


def _run_writers(
    pg_url: str, tmp_path: Path, streams: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Start one ingest process per stream, release them together, return their reports."""
    go = tmp_path / "go"
    procs = []
    for tag, events in streams.items():
        source = tmp_path / f"{tag}.jsonl"
        source.write_bytes(b"\n".join(orjson.dumps(e) for e in events))
        args = [sys.executable, "-c", WRITER, pg_url, str(source), str(go), str(BATCH)]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    time.sleep(0.5)  # both connected (and migrated, under the migration lock)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        results.append(orjson.loads(out))
    return results


def _assert_stored_in_order(pg_url: str, n: int) -> None:
    """Ledger seqs are contiguous, and each writer's batches (indeed its whole run) are too."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT seq, key FROM ledger ORDER BY seq").fetchall()
        head = conn.execute("SELECT head FROM ledger_meta").fetchone()
    assert [seq for seq, _ in rows] == list(range(1, 2 * n + 1))  # contiguous, no gaps
    assert head == (2 * n,)
    seq_of = {key: seq for seq, key in rows}
    for tag in "AB":
        seqs = [seq_of[f"{tag}-{i:05}"] for i in range(n)]
        assert seqs == sorted(seqs)  # each writer's events in its own order
        for start in range(0, n, BATCH):
            batch = seqs[start : start + BATCH]
            assert batch == list(range(batch[0], batch[0] + len(batch)))  # batch contiguous
        # documented, stronger: lock() serializes whole runs, one writer at a time
        assert seqs == list(range(seqs[0], seqs[0] + n))


def test_two_ingest_processes_never_interleave_batches(pg_url: str, tmp_path: Path) -> None:
    n = 1_200
    results = _run_writers(pg_url, tmp_path, {tag: _events(tag, n) for tag in "AB"})
    assert [r["accepted"] for r in results] == [n, n]
    first, second = sorted(results, key=lambda r: r["start"])
    assert second["start"] < first["end"]  # they really ran at the same time
    _assert_stored_in_order(pg_url, n)
    with Ledger.open(pg_url) as ledger:
        assert ledger.reconcile().drift == []
        pairs = {(i % 97, i % 10) for i in range(10, n)}  # distinct (user, video) likes
        assert sum(stored_counts(ledger)[0].values()) == 2 * len(pairs)


def _decide(ws: Any, obj: dict[str, Any]) -> None:
    event = parse_object(obj)
    ws.record(event, engine.apply(ws, event))


def _commit_after_another_writer(
    a: Ledger, b: Ledger, mine: dict[str, Any], theirs: list[dict[str, Any]], *, fool: bool
) -> None:
    """a decides ``mine`` in a batch (without its run lock), b commits ``theirs``, then a
    submits. With ``fool``, a is made to believe its cache is still current."""
    store = a.store
    assert isinstance(store, PostgresStore)
    with store.pipeline() as pipe:
        ws = pipe.begin()
        _decide(ws, mine)
        b.ingest_objects(theirs)
        if fool:
            store._generation += 1
        pipe.submit(ws)
        pipe.drain()


def test_a_batch_decided_on_stale_state_is_refused(pg_url: str) -> None:
    with Ledger.open(pg_url) as a, Ledger.open(pg_url) as b:
        a.ingest_objects([pub("v", "c", 1), like("u1", "v", 2)])
        theirs = [unlike("u1", "v", 4), like("u2", "v", 5)]
        with pytest.raises(StorageError, match="another writer"):  # a thought u1 liked v
            _commit_after_another_writer(a, b, unlike("u1", "v", 3), theirs, fool=False)
        assert a.head() == b.head() == 4  # a's batch left no trace
        assert a.count("v").likes == 1
        report = a.ingest_objects([like("u3", "v", 6)])  # a reloads and goes on correctly
        assert report.last_seq == 5
        assert a.count("v").likes == 2
        assert a.reconcile().drift == []


def test_the_sequence_check_holds_even_if_the_cache_check_is_fooled(pg_url: str) -> None:
    """Defence in depth: a batch whose first seq is not head + 1 is never committed."""
    with Ledger.open(pg_url) as a, Ledger.open(pg_url) as b:
        a.ingest_objects([pub("v", "c", 1)])
        with pytest.raises(StorageError, match="sequence order"):
            _commit_after_another_writer(a, b, like("u1", "v", 2), [like("u2", "v", 3)], fool=True)
        assert [seq for seq, *_ in a.store.ledger_rows()] == [1, 2]
        assert a.count("v").likes == 1


def test_another_writers_commits_invalidate_the_cache(pg_url: str) -> None:
    with Ledger.open(pg_url) as a, Ledger.open(pg_url) as b:
        a.ingest_objects([pub("v", "c", 1), like("u1", "v", 2)])  # a caches u1 liking v
        b.ingest_objects([unlike("u1", "v", 3), like("u2", "v", 4)])
        a.ingest_objects([like("u3", "v", 5)])
        assert a.count("v").likes == 2  # u2 and u3: a did not reuse its stale rows
        report = a.ingest_objects([unlike("u1", "v", 6)])
        assert report.stale == 0
        assert a.count("v").likes == 2
        assert a.reconcile().drift == []


def test_the_writer_lock_is_exclusive_and_released(pg_url: str) -> None:
    with Ledger.open(pg_url) as a, Ledger.open(pg_url) as b:
        key = a.store._lock_key  # type: ignore[attr-defined]
        probe = "SELECT pg_try_advisory_lock(%s::int4, %s::int4)"
        with a.store.lock():
            assert b.store.conn.execute(probe, key).fetchone() == (False,)  # type: ignore[attr-defined]
        assert b.store.conn.execute(probe, key).fetchone() == (True,)  # type: ignore[attr-defined]
        b.store.conn.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", key)  # type: ignore[attr-defined]
