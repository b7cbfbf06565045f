"""Graceful SIGTERM of ``likeledger project --follow`` worker processes: mid-load, idle and
as a waiting standby, each exits 0 promptly with its checkpoint consistent (the batch in
hand committed whole, never half), and a restarted worker finishes the job exactly.

Events carry no ids: a line applied twice would count twice, so equality with a SQLite
ingest of exactly the projected prefix proves no batch was half applied or repeated.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psycopg
import pytest

from likeledger import projector
from likeledger.ledger import Ledger

from .api_kit import stopped, worker
from .kit import snapshot
from .test_projector import reference, stream

pytestmark = pytest.mark.postgres


def _checkpoint_row(url: str) -> tuple[int, int, int]:
    """(checkpoint position, ledger head recorded with it, actual ledger head)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT c.position, c.seq, m.head FROM checkpoints c, ledger_meta m "
            "WHERE c.name = 'counts'"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _holders(url: str) -> int:
    """Sessions holding an advisory lock (the writer lock of a projector)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_sigterm_mid_load_commits_whole_batches_and_exits_0(pg_url: str, tmp_path: Path) -> None:
    lines = stream(11, 40_000)
    with Ledger.open(pg_url) as pg:
        projector.append(projector.postgres(pg.store), lines)
    follower = worker(pg_url, "--batch", "700")
    _until(lambda: _checkpoint_row(pg_url)[0] >= 2_100)
    began = time.monotonic()
    code, out, err = stopped(follower)
    assert code == 0, err.decode()
    assert time.monotonic() - began < 10
    position, seq, head = _checkpoint_row(pg_url)
    assert orjson.loads(out)["position"] == position < len(lines)  # stopped mid-load
    assert position % 700 == 0  # whole batches only
    assert seq == head  # the checkpoint and the ledger committed together
    with Ledger.open(pg_url) as pg, reference(tmp_path, lines[:position]) as lite:
        assert snapshot(pg) == snapshot(lite)
    restarted = worker(pg_url)
    _until(lambda: _checkpoint_row(pg_url)[0] == len(lines), timeout=120)
    code, out, err = stopped(restarted)
    assert code == 0, err.decode()
    assert orjson.loads(out)["lines"] == len(lines) - position
    (tmp_path / "reference.db").unlink()
    with Ledger.open(pg_url) as pg, reference(tmp_path, lines) as lite:
        assert snapshot(pg) == snapshot(lite)


def test_sigterm_stops_an_idle_worker_and_a_waiting_standby(pg_url: str) -> None:
    Ledger.open(pg_url).close()
    active = worker(pg_url)
    _until(lambda: _holders(pg_url) == 1)  # it holds the writer lock, idle: no events
    standby = worker(pg_url)
    time.sleep(1.0)  # long enough to be blocked on the writer lock in a plain wait
    assert standby.poll() is None
    assert _holders(pg_url) == 1
    for proc in (standby, active):
        began = time.monotonic()
        code, out, err = stopped(proc, timeout=10)
        assert code == 0, err.decode()
        assert time.monotonic() - began < 5
        assert orjson.loads(out)["lines"] == 0
    assert _holders(pg_url) == 0


def test_a_worker_collects_garbage_again_once_caught_up(pg_url: str) -> None:
    """Catching up is bulk work (cyclic GC paused, as in ingest); an idle ``--follow``
    worker must have it back, or a long-running one would never collect its cycles."""
    with Ledger.open(pg_url) as pg:
        store = projector.postgres(pg.store)
        projector.append(store, stream(5, 30))
        seen: list[bool] = []  # the collector's state at each stop() call

        def stop() -> bool:  # stops once the collector is seen back on after a pause
            seen.append(gc.isenabled())
            return (False in seen and seen[-1]) or len(seen) > 50

        done = projector.project(store, batch=10, follow=True, idle=0.01, stop=stop)
    assert done.lines == 30
    assert seen.count(False) >= 2, seen  # paused across the pending batches (three of 10)
    assert seen[-1], seen  # and back on while idle
    assert gc.isenabled()
