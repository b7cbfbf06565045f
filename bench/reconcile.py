"""Reconciliation benchmark (issue 6): the bulk recompute of every count and total from the
ledger table, on SQLite and PostgreSQL, at 10M and 100M events, with peak memory.

A seeded, valid event stream (videos published, then likes, unlikes, delayed stale retries,
follows and impressions, then flags, blocks, moderation, status changes and deletions) is
generated in DuckDB. Two kinds of ledger are made from it:

- *ingested*: the first ``--ingest`` events as JSON Lines through ``Ledger.ingest`` (the real
  engine, incremental state and journal; non-durable to save time). ``reconcile`` on it must
  find 0 drift: the bulk truth equals the incremental state exactly. The pure fold runs on it
  too, as the baseline.
- *bulk-filled*: ``--events`` and ``--big`` events written straight into the ledger table
  (the recompute reads nothing else), with the same stale flags the engine would set.

Unless ``--no-copy``, each bulk-filled ledger is first filled to 99%, the ledger copy of
``reconcile --export`` is made (timed), the last 1% is filled, and besides the recompute
straight from the ledger the recompute from the copy is timed twice: after appending the
last 1% to it, and with nothing new.

Each timed recompute runs in a fresh child process, which reports its wall time and its
peak RSS (``VmHWM``: Python, DuckDB and its buffers). Without ``--url`` a throwaway
PostgreSQL 15 cluster is started as in the tests.

Usage: python bench/reconcile.py [--events N] [--big N] [--ingest N] [--out DIR]
                                 [--no-postgres] [--no-copy] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from likeledger.bulk.engine import extension_path  # noqa: E402
from likeledger.bulk.export import LedgerExport  # noqa: E402
from likeledger.ledger import Ledger  # noqa: E402
from likeledger.reconcile import fold_truth  # noqa: E402
from likeledger.store import open_store  # noqa: E402
from pgcluster import PgCluster  # noqa: E402  (tests/pgcluster.py)
from reconcile_gen import generate  # noqa: E402  (bench/reconcile_gen.py)


def fill(con: duckdb.DuckDBPyConnection, url: str, limit: int, after: int = 0) -> float:
    """Write the generated events ``after`` < seq <= ``limit`` into the ledger table at ``url``
    (empty, or holding the events up to ``after``)."""
    open_store(url, durable=False).close()  # the schema
    if url.startswith("postgresql://"):
        con.execute(f"LOAD '{extension_path('postgres_scanner')}'")
        con.execute(f"ATTACH '{url}' AS dst (TYPE postgres)")
        payload = "payload"
    else:
        con.execute(f"LOAD '{extension_path('sqlite_scanner')}'")
        con.execute(f"ATTACH '{url}' AS dst (TYPE sqlite)")
        payload = "payload"
    start = time.perf_counter()
    con.execute(
        f"INSERT INTO dst.ledger (seq, key, type, ts, {payload}, stale) "
        f"SELECT seq, NULL, type, ts, payload, stale FROM gen "
        f"WHERE seq > {after} AND seq <= {limit} ORDER BY seq"
    )
    con.execute("DETACH dst")
    return time.perf_counter() - start


def ingest(con: duckdb.DuckDBPyConnection, url: str, limit: int) -> float:
    """The first ``limit`` events through the real engine; seconds taken."""
    lines = con.execute(
        """SELECT '{"type":"' || type || '","ts":' || ts || ',' || substr(decode(payload), 2)
        FROM gen WHERE seq <= ? ORDER BY seq""",
        [limit],
    ).fetchall()
    with Ledger.open(url, durable=False) as ledger:
        start = time.perf_counter()
        report = ledger.ingest(line.encode() for (line,) in lines)
        took = time.perf_counter() - start
    assert report.rejected == 0, report
    assert report.accepted == limit, report
    print(f"    ingested {limit:,} events in {took:.0f} s (stale {report.stale:,})")
    return took


def measure(url: str, how: str, copy: str | None) -> dict[str, Any]:
    """Child process: one recompute (``bulk``, ``fold``, ``reconcile`` or ``export``: the
    bulk recompute from the ledger copy in ``copy``, brought up to date first) of the ledger."""
    exported = LedgerExport(copy) if copy else None
    with Ledger.open(url, durable=False) as ledger:
        start = time.perf_counter()
        if how == "reconcile":
            report = ledger.reconcile()
            truth = None
        elif how == "fold":
            truth = fold_truth(ledger.store)
        else:
            truth = ledger.store.recompute_bulk(exported)
        took = time.perf_counter() - start
    out: dict[str, Any] = {
        "seconds": took,
        "peak_rss_mb": peak_rss_mb(),
        "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    }
    if exported is not None and exported.last is not None:
        out["copy"] = exported.last.to_json()
    if truth is not None:
        items = json.dumps([sorted(truth.likes.items()), sorted(truth.totals.items())])
        out["digest"] = hashlib.sha256(items.encode()).hexdigest()[:16]
        out["likes"], out["videos"] = sum(truth.likes.values()), len(truth.likes)
    else:
        out["drift"], out["events"] = len(report.drift), report.events
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not include the
    parent's at fork time, which Linux carries across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, how: str, copy: Path | None = None) -> dict[str, Any]:
    """Run :func:`measure` in a fresh process; its result."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", how, "--url", url, "--copy-dir", str(copy or "")],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def show(label: str, result: dict[str, Any]) -> None:
    extra = {k: v for k, v in result.items() if k not in ("seconds", "peak_rss_mb")}
    print(
        f"    {label}: {result['seconds']:.2f} s, "
        f"peak RSS {result['peak_rss_mb']:,.0f} MB  {extra}",
        flush=True,
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def size(con: duckdb.DuckDBPyConnection, n: int, args: argparse.Namespace, pg: Any) -> None:
    """Generate ``n`` events, make the ledgers asked for at that size, time each one."""
    start = time.perf_counter()
    generate(con, n)
    print(f"{n:,} events generated in {time.perf_counter() - start:.0f} s", flush=True)
    made: list[tuple[str, str]] = []
    if n in (args.events, args.big):
        targets = [("sqlite", str(args.out / f"bulk-{n}.db"))]
        targets += [("postgres", pg.database())] if pg is not None else []
        for label, url in targets:
            if args.copy:
                with_copy(con, url, n, args.out / f"copy-{label}-{n}")
            else:
                print(f"  filled {label} in {fill(con, url, n):.0f} s", flush=True)
            made.append((f"{label}, {n:,} events, bulk-filled", url))
    if n == args.ingest:
        made.append((f"sqlite, {n:,} events, ingested", str(args.out / f"ingested-{n}.db")))
    if pg is not None and n == args.pg_ingest:
        made.append((f"postgres, {n:,} events, ingested", pg.database()))
    for label, url in made:
        if "ingested" in label:
            ingest(con, url, n)
    con.execute("DROP TABLE gen")
    for label, url in made:
        print(f"  {label}  (load {load()})", flush=True)
        show("bulk recompute", child(url, "bulk"))
        copy = args.out / f"copy-{label.split(',')[0]}-{n}"
        if "bulk-filled" in label and args.copy:
            show(
                "from the copy, made through 99%: append the last 1%, recompute",
                child(url, "export", copy),
            )
            show("from the copy, nothing new", child(url, "export", copy))
        if "ingested" in label:
            show("likeledger reconcile (bulk, vs incremental state)", child(url, "reconcile"))
            if args.fold:
                show("baseline: pure fold (recompute.py)", child(url, "fold"))


def with_copy(con: duckdb.DuckDBPyConnection, url: str, n: int, copy: Path) -> None:
    """Fill the first 99% of the events, make the ledger copy of them (timed: the first
    ``reconcile --export`` on an existing ledger), then fill the last 1%."""
    early = n - n // 100
    print(
        f"  filled {url.split('/')[-1]} to {early:,} in {fill(con, url, early):.0f} s", flush=True
    )
    show(f"made the copy of {early:,} events and recomputed from it", child(url, "export", copy))
    print(f"  filled the last {n - early:,} in {fill(con, url, n, early):.0f} s", flush=True)


def run(args: argparse.Namespace, pg: Any) -> None:
    print(f"load before: {load()}", flush=True)
    con = duckdb.connect(config={"temp_directory": str(args.out / "spill"), "memory_limit": "8GB"})
    for n in sorted({args.events, args.big, args.ingest, args.pg_ingest} - {0}):
        size(con, n, args, pg)
    con.close()
    print(f"load after: {load()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--big", type=int, default=100_000_000)
    parser.add_argument("--ingest", type=int, default=10_000_000, help="0: none")
    parser.add_argument("--pg-ingest", type=int, default=0, help="0: none")
    parser.add_argument("--no-fold", dest="fold", action="store_false")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--url", default=None)
    parser.add_argument("--no-copy", dest="copy", action="store_false", help="skip --export")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--copy-dir", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.measure, args.copy_dir or None)))
        return
    args.out = args.out or Path(tempfile.mkdtemp(prefix="likeledger-reconcile-"))
    args.out.mkdir(parents=True, exist_ok=True)
    pg = PgCluster().start() if args.postgres else None
    try:
        run(args, pg)
    finally:
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
