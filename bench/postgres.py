"""Durable ingest into PostgreSQL (issue 6), with SQLite's figure from the same run.

Both ledgers get the workload of ``bench/ingest.py`` (the same seed, the same lines, from one
file) through ``likeledger ingest``, the real command line, each in a fresh process (as
``bench/ingest.py`` measures line (c)): durable (PostgreSQL ``synchronous_commit=on`` and
``fsync=on``; SQLite WAL with ``synchronous=FULL``), and they must end with identical counts.
The wall time includes start-up and parsing.
Then server mode on PostgreSQL: append throughput, projection throughput, and the
projection lag while a client appends at a steady rate and a ``project --follow`` worker
keeps up. Without ``--url`` a throwaway PostgreSQL 15 cluster is started as in the tests, and
the bounds of ``bench/floors.py`` (deciding alone, writing alone) are measured on two more
fresh databases of it.

Usage: python bench/postgres.py [--events N] [--url postgresql://...]
                                [--rate EVENTS_PER_S] [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from ingest import floors, workload  # noqa: E402  (bench/ingest.py)
from likeledger import projector  # noqa: E402
from likeledger.ledger import DEFAULT_BATCH, Ledger  # noqa: E402
from pgcluster import PgCluster  # noqa: E402  (tests/pgcluster.py)
from probe import speed_probe  # noqa: E402  (bench/probe.py)


def run(url: str, source: Path, n: int) -> float:
    """Events/s of one durable ``likeledger ingest`` of ``source`` (``n`` lines) into a fresh
    ledger at ``url``, in a new process."""
    command = [sys.executable, "-m", "likeledger", "--db", url, "ingest", str(source), "--json"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some lines refused (the workload has a few)
        raise SystemExit(f"ingest failed: {done.stderr.decode()[-2000:]}")
    report = json.loads(done.stdout)
    print(
        f"    accepted {report['accepted']:,} (stale {report['stale']:,}), duplicates "
        f"{report['duplicates']:,}, rejected {report['rejected']:,} in {elapsed:.1f} s"
    )
    return n / elapsed


def server_mode(url: str, lines: list[bytes], rate: int, seconds: float) -> None:
    """Append, then project, then the lag of a following worker under a steady load."""
    half = len(lines) // 2
    with Ledger.open(url, flip_threshold=None) as ledger:
        store = projector.postgres(ledger.store)
        start = time.perf_counter()
        projector.append(store, lines[:half])
        appended = time.perf_counter() - start
        start = time.perf_counter()
        done = projector.project(store)
        projected = time.perf_counter() - start
        print(f"    append: {half / appended:,.0f} events/s (durable, {half:,} lines)")
        print(f"    project: {done.lines / projected:,.0f} events/s (batches of {DEFAULT_BATCH:,})")
        worker = subprocess.Popen(
            [sys.executable, "-m", "likeledger.projector_cli", "project", "--follow"],
            env={**os.environ, "LIKELEDGER_DB": url},
            stdout=subprocess.DEVNULL,
        )
        rest, chunk = lines[half:], max(1, rate // 20)  # one append every 50 ms
        feeder = threading.Thread(target=_feed, args=(url, rest, chunk, seconds), daemon=True)
        feeder.start()
        lags, pending = [], []
        while feeder.is_alive():
            time.sleep(0.25)
            now = projector.status(store)
            lags.append(now.oldest_s or 0.0)
            pending.append(now.pending)
        feeder.join()
        caught_up = projector.wait_for(store, projector.status(store).inbox_head, timeout=120)
        worker.terminate()
        worker.wait()
    p50, p99 = np.percentile(lags, 50), np.percentile(lags, 99)
    print(
        f"    lag while appending {rate:,} events/s for {seconds:.0f} s: oldest pending line "
        f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(lags):.2f} s; pending lines max "
        f"{max(pending):,}; caught up afterwards: {caught_up}"
    )


def _feed(url: str, lines: list[bytes], chunk: int, seconds: float) -> None:
    with Ledger.open(url) as ledger:
        store = projector.postgres(ledger.store)
        start, sent = time.perf_counter(), 0
        while sent < len(lines) and time.perf_counter() - start < seconds:
            projector.append(store, lines[sent : sent + chunk])
            sent += chunk
            time.sleep(max(0.0, start + sent / chunk * 0.05 - time.perf_counter()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--rate", type=int, default=10_000, help="steady append rate for lag")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to keep it up")
    args = parser.parse_args()
    lines = workload(args.events)
    print(
        f"workload: {len(lines):,} events (bench/ingest.py, seed 7), batches of {DEFAULT_BATCH:,}"
    )
    print(speed_probe())
    cluster = None if args.url else PgCluster().start()
    try:
        url = args.url or (cluster.database() if cluster else "")
        with tempfile.TemporaryDirectory(prefix="likeledger-bench-") as folder:
            source = Path(folder) / "events.jsonl"
            source.write_bytes(b"\n".join(lines) + b"\n")
            lite_url = str(Path(folder) / "ledger.db")
            print("SQLite (WAL, synchronous=FULL):")
            lite_rate = run(lite_url, source, len(lines))
            print("PostgreSQL 15 (fsync=on, synchronous_commit=on):")
            pg_rate = run(url, source, len(lines))
            if cluster is not None:  # two more fresh databases
                pg_bounds = floors(source, cluster.database(), cluster.database())
            with Ledger.open(lite_url) as lite, Ledger.open(url) as pg:
                same = sorted(pg.store.live_videos(), key=lambda r: r[1]) == sorted(
                    lite.store.live_videos(), key=lambda r: r[1]
                )
        print(f"durable ingest, events/s: PostgreSQL {pg_rate:,.0f}, SQLite {lite_rate:,.0f}")
        print(f"    PostgreSQL / SQLite = {pg_rate / lite_rate:.2f}; identical counts: {same}")
        if cluster is not None:
            print(
                f"    bounds on PostgreSQL ingest (bench/floors.py): in-process "
                f"{pg_bounds['in_process']:,.0f} events/s wall; (d) deciding alone "
                f"{pg_bounds['decide']:,.0f} events/s of its thread's CPU; (w) writing its "
                f"{pg_bounds['batches']:.0f} batches alone {pg_bounds['write']:,.0f} events/s"
            )
        print("server mode (append now, project asynchronously), PostgreSQL:")
        server_mode(cluster.database() if cluster else url, lines, args.rate, args.seconds)
        print(f"at the end: {speed_probe()}")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
