"""PostgreSQL ingest with ``writer_process=True`` (what ``likeledger ingest`` uses): batches
commit in a forked child, two in flight. A child that dies fails the ingest with a clear
error and only whole batches; ingesting the same lines again converges; the child never
outlives the ingest."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from ledger_kit import snapshot
from likeledger.errors import StorageError
from likeledger.ledger import Ledger
from likeledger.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres
BATCH = 50


def _lines(n: int) -> list[bytes]:
    """A published video, likes, unlikes (all with ids, so a retry is idempotent), and
    client retries of lines up to two batches back (in flight when the retry is decided)."""
    out = [{"type": "video.published", "ts": 1, "video": "v0", "creator": "c0", "id": "p"}]
    for i in range(n):
        out.append(
            {"type": "like", "ts": 10 + i, "user": f"u{i % 97}", "video": "v0", "id": f"l{i}"}
        )
        if i % 10 == 9:
            out.append(out[-min(len(out) - 1, 5 if i % 20 == 9 else 80)])
        if i % 13 == 12:
            unlike = {"type": "unlike", "ts": 10 + i, "user": f"u{i % 7}", "video": "v0"}
            out.append({**unlike, "id": f"n{i}"})
    return [orjson.dumps(obj) for obj in out]


def _batch_ends(lines: list[bytes]) -> set[int]:
    """The ledger heads after each whole batch of ``lines``."""
    with Ledger.open(":memory:") as ledger:
        return {
            ledger.ingest(lines[at : at + BATCH]).last_seq or ledger.head()
            for at in range(0, len(lines), BATCH)
        }


def _killing_the_writer(store: PostgresStore, lines: list[bytes], at: int) -> Iterator[bytes]:
    """Yield ``lines``; after ``at`` of them, SIGKILL the store's writer process."""
    for n, line in enumerate(lines):
        if n == at:
            assert store._writer is not None
            os.kill(store._writer._process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        yield line


def test_writer_process_ingest_equals_the_thread_one(pg_cluster: Any) -> None:
    lines = _lines(1_000)
    with (
        Ledger.open(pg_cluster.database(), writer_process=True) as forked,
        Ledger.open(pg_cluster.database()) as threaded,
    ):
        reports = [ledger.ingest(lines, batch_size=BATCH) for ledger in (forked, threaded)]
        assert reports[0] == reports[1]
        assert reports[0].duplicates > 50
        assert snapshot(forked) == snapshot(threaded)
        assert forked.store._writer is None  # closed with the ingest


def test_a_killed_writer_process_fails_the_ingest_with_whole_batches(pg_cluster: Any) -> None:
    lines, url = _lines(2_000), pg_cluster.database()
    with Ledger.open(url, writer_process=True) as ledger:
        store = ledger.store
        assert isinstance(store, PostgresStore)
        with pytest.raises(StorageError, match="writer process exited") as failed:
            ledger.ingest(_killing_the_writer(store, lines, at=10 * BATCH), batch_size=BATCH)
        committed = failed.value.committed  # type: ignore[attr-defined]
        head = ledger.head()
        # whole batches only, and the report never claims more than what is stored
        assert head in _batch_ends(lines)
        assert 0 < committed.accepted <= head
        assert ledger.reconcile().drift == []

        again = ledger.ingest(lines, batch_size=BATCH)  # the client retries everything
    with Ledger.open(pg_cluster.database()) as reference:
        clean = reference.ingest(lines, batch_size=BATCH)
        assert again.accepted + again.duplicates == clean.accepted + clean.duplicates
        with Ledger.open(url) as resumed:
            assert snapshot(resumed) == snapshot(reference)


def test_the_writer_process_is_gone_after_the_ingest(pg_cluster: Any) -> None:
    with Ledger.open(pg_cluster.database(), writer_process=True) as ledger:
        store = ledger.store
        assert isinstance(store, PostgresStore)
        seen: list[Any] = []

        def watch() -> Iterator[bytes]:
            for n, line in enumerate(_lines(300)):
                if n == 2 * BATCH:
                    seen.append(store._writer._process)  # type: ignore[union-attr]
                yield line

        ledger.ingest(watch(), batch_size=BATCH)
        assert len(seen) == 1
        assert seen[0].exitcode == 0  # it exited when the ingest ended, not killed
