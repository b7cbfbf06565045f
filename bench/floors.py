"""What bounds ``likeledger ingest``: the deciding alone and the writing alone.

Ingest decides each batch on one thread while the batch before it commits on a writer
thread, so its throughput is at most the lower of:

(d) deciding alone: events per second of the deciding thread's own CPU time (parsing,
    validation, the engine, the journal and the rows it prepares), measured on a real
    in-process ingest of the file;
(w) writing alone: the exact rows that ingest committed, batch by batch, replayed into a
    fresh ledger through the same pipeline and ``commit_batch`` (same statements, one
    durable transaction per batch), with nothing being decided beside it.

Both assume a core of their own; the ingest falls short of the lower one by what the
threads cost each other (the GIL, waits). Ledgers open as ``likeledger ingest`` opens them
(on PostgreSQL, a forked writer process). Run in a fresh process, as the CLI runs, so the
figures are not those of a process that already holds a benchmark's data:

    python bench/floors.py SOURCE DECIDE_DB REPLAY_DB   (paths or postgresql:// URLs; JSON out)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from likeledger.bulkmode import bulk_mode
from likeledger.cli import read_lines
from likeledger.ledger import Ledger
from likeledger.store.rows import PendingRows
from likeledger.store.workingset import WorkingSet

Commit = Callable[[WorkingSet, PendingRows], None]


def _recording(commit: Commit, into: list[PendingRows]) -> Commit:
    def commit_and_keep(ws: WorkingSet, rows: PendingRows) -> None:
        commit(ws, rows)
        into.append(rows)  # nothing mutates them later

    return commit_and_keep


def decide_and_capture(url: str, source: Path) -> tuple[int, float, float, list[PendingRows]]:
    """Ingest ``source`` into the fresh ledger at ``url`` in this process: (lines, wall s,
    deciding-thread CPU s, each batch's committed rows)."""
    batches: list[PendingRows] = []
    with Ledger.open(url, writer_process=True) as ledger, source.open("rb") as stream:
        store: Any = ledger.store
        store.commit_batch = _recording(store.commit_batch, batches)
        wall, cpu = time.perf_counter(), time.thread_time()
        report = ledger.ingest(read_lines(stream))
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return report.accepted + report.duplicates + report.rejected, wall, cpu, batches


def replay_writes(url: str, batches: list[PendingRows]) -> float:
    """Commit the captured batches into the fresh ledger at ``url`` through its ingest
    pipeline, deciding nothing; wall seconds."""
    with bulk_mode(), Ledger.open(url, writer_process=True) as ledger:  # as ingest runs
        store = ledger.store
        with store.lock(), store.pipeline() as pipe:
            start = time.perf_counter()
            for rows in batches:
                ws: Any = pipe.begin()
                ws.prepare = lambda rows=rows: rows
                pipe.submit(ws)
            pipe.drain()
            return time.perf_counter() - start


def measure(source: Path, decide_url: str, replay_url: str) -> dict[str, float]:
    """Events/s of the in-process ingest, of deciding alone (d) and of writing alone (w)."""
    lines, wall, cpu, batches = decide_and_capture(decide_url, source)
    written = replay_writes(replay_url, batches)
    with Ledger.open(decide_url) as decided, Ledger.open(replay_url) as replayed:
        if sorted(decided.store.live_videos()) != sorted(replayed.store.live_videos()):
            raise SystemExit("the replayed writes do not give the ingest's counts")
    return {
        "in_process": lines / wall,
        "decide": lines / cpu,
        "write": lines / written,
        "batches": len(batches),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("decide_db", help="a fresh ledger for the in-process ingest")
    parser.add_argument("replay_db", help="another fresh ledger, for the replayed writes")
    args = parser.parse_args()
    sys.stdout.buffer.write(orjson.dumps(measure(args.source, args.decide_db, args.replay_db)))


if __name__ == "__main__":
    main()
