"""A kill mid-ingest leaves whole batches only, and a consistent ledger that can resume."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson

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


def _committed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM ledger").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def test_sigkill_mid_ingest_leaves_whole_batches(tmp_path: Path) -> None:
    stream, db = tmp_path / "big.jsonl", tmp_path / "ledger.db"
    _write_stream(stream)
    env = {k: v for k, v in os.environ.items() if k != "LIKELEDGER_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "likeledger", "--db", str(db), "ingest", str(stream)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and _committed(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # right after the first commit, mid-stream
    finally:
        proc.wait(timeout=60)

    rows = _committed(db)
    assert rows > 0
    assert rows % BATCH == 0 or rows == EVENTS, rows
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT max(seq) FROM ledger").fetchone()[0] == rows
        liked = conn.execute("SELECT count(*) FROM likes WHERE liked = 1").fetchone()[0]
        assert liked == rows - 20  # state matches the ledger rows: nothing half-applied

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
