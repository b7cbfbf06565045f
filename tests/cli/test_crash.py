"""A kill mid-ingest leaves whole batches only, and a consistent ledger that can resume
(the client retries the same ids: nothing lost, nothing doubled), on either backend."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson

from ledger_kit import Backend, probe_at

from .runner import likeledger

BATCH = 20_000  # the default batch size of `likeledger ingest`
EVENTS = 3 * BATCH + 1234


def _write_stream(path: Path) -> None:
    """Every line is accepted (with an id) and every like is a new (user, video) pair, so
    committed rows == committed lines == liked edges + 20."""
    with path.open("wb") as out:
        for v in range(20):
            event = {
                "type": "video.published",
                "ts": v,
                "id": f"p{v}",
                "video": f"v{v}",
                "creator": f"c{v}",
            }
            out.write(orjson.dumps(event) + b"\n")
        for i in range(EVENTS - 20):
            event = {
                "type": "like",
                "ts": 1000 + i,
                "id": f"l{i}",
                "user": f"u{i // 20}",
                "video": f"v{i % 20}",
            }
            out.write(orjson.dumps(event) + b"\n")


def _committed(db: str) -> int:
    """Ledger rows committed so far (0 before the ingest created the SQLite file or schema)."""
    if "://" not in db and not Path(db).exists():
        return 0
    try:
        with probe_at(db) as seen:
            return int(seen.rows("SELECT count(*) FROM ledger")[0][0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _kill_after_the_first_commit(db: str, stream: Path) -> int:
    """Kill the ingest once a batch has committed; how many processes it ran as then."""
    env = {k: v for k, v in os.environ.items() if k != "LIKELEDGER_DB"}
    command = [sys.executable, "-m", "likeledger", "--db", db, "ingest", str(stream)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    processes = 0
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and _committed(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        processes = len(_running(command))
        proc.send_signal(signal.SIGKILL)  # right after the first commit, mid-stream
    finally:
        proc.wait(timeout=60)
    # On PostgreSQL the ingest commits in a forked writer process (same command line):
    # it finishes the batch it holds, sees its parent gone, and exits. None may linger.
    deadline = time.monotonic() + 60
    while _running(command) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(command), "the ingest's writer process outlived it"
    return processes


def _running(command: list[str]) -> list[int]:
    """Pids of live processes with exactly this command line (a fork keeps its parent's)."""
    wanted = "\0".join(command).encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if cmdline == wanted and state != "Z":
                found.append(int(entry.name))
    return found


def test_sigkill_mid_ingest_leaves_whole_batches(backend: Backend, tmp_path: Path) -> None:
    stream, db = tmp_path / "big.jsonl", backend.fresh()
    _write_stream(stream)
    processes = _kill_after_the_first_commit(db, stream)
    assert processes == (2 if backend.name == "postgres" else 1)  # PostgreSQL: + its writer

    rows = _committed(db)
    assert rows > 0
    assert rows % BATCH == 0 or rows == EVENTS, rows
    with probe_at(db) as seen:
        assert seen.rows("SELECT max(seq) FROM ledger") == [(rows,)]
        # state matches the ledger rows: nothing half-applied
        assert seen.rows("SELECT count(*) FROM likes WHERE liked") == [(rows - 20,)]

    check = likeledger("reconcile", "--json", db=db)
    assert check.code == 0, check.out + check.err
    assert check.json()["drift"] == []

    # resuming is just ingesting the file again: committed lines are duplicates now
    resumed = likeledger("ingest", stream, "--json", db=db)
    assert resumed.code == 0
    body = resumed.json()
    assert (body["duplicates"], body["accepted"]) == (rows, EVENTS - rows)
    assert likeledger("reconcile", db=db).code == 0
    counts = likeledger("count", *(f"v{v}" for v in range(20)), "--json", db=db).json_lines()
    assert sum(line["likes"] for line in counts) == EVENTS - 20
