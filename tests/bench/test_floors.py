"""``bench/floors.py`` (what bounds an ingest: deciding alone, writing alone) runs on both
backends, and its replay of the captured batches gives exactly the ingest's counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from ledger_kit import Backend
from likeledger.ledger import Ledger

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from ingest import workload  # noqa: E402  (bench/ingest.py)


def test_floors_measure_a_workload_and_replay_it_exactly(backend: Backend, tmp_path: Path) -> None:
    lines = workload(3_000)
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    decided, replayed = backend.fresh(), backend.fresh()
    command = [sys.executable, str(BENCH / "floors.py"), str(source), decided, replayed]
    done = subprocess.run(command, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    figures = orjson.loads(done.stdout)
    assert figures["batches"] == 1  # 3,000 lines, batches of 20,000
    assert all(figures[name] > 0 for name in ("in_process", "decide", "write"))
    with Ledger.open(decided) as one, Ledger.open(replayed) as other:
        assert one.head() == other.head() > 2_500
        assert one.store.live_videos()
        assert sorted(one.store.live_videos()) == sorted(other.store.live_videos())
        assert sorted(one.store.user_totals()) == sorted(other.store.user_totals())
