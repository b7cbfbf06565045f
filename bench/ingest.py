"""Ingest benchmark (issue 2). Durable (WAL, synchronous=FULL) events/s, measured in one run:

(a) raw append of the same rows into one table with executemany: the limit (the ledger's rows
    with their unique idempotency key, as likeledger stores them; (a0) without that index);
(b) the peer pattern: one transaction per like inserting a like row and bumping a counter;
(c) ``likeledger ingest`` on the same file, through the real command line;
then what bounds (c): deciding alone and writing alone (``bench/floors.py``);
plus account deactivation with 100k likes, explain over a video with 1M journal entries,
and in-process ``count`` latency. Usage: python bench/ingest.py [--events N] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from likeledger.events import InvalidEvent, parse_line
from likeledger.ledger import Ledger
from probe import speed_probe  # bench/probe.py

T0 = 1_793_491_200_000  # 2026-11-01T00:00:00Z
DAY = 86_400_000


def workload(n_events: int, seed: int = 7) -> list[bytes]:
    """A realistic mix: mostly likes on Zipf-popular videos, some unlikes, status changes,
    blocks, flags, follows and client retries (same id, same content)."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    n_users, n_videos, n_creators = 200_000, 20_000, 4_000
    lines: list[dict[str, object]] = []
    for v in range(n_videos):
        lines.append(
            {
                "type": "video.published",
                "ts": T0 + v,
                "id": f"p{v}",
                "video": f"v{v}",
                "creator": f"c{v % n_creators}",
            }
        )
    zipf = nprng.zipf(1.3, size=n_events) % n_videos
    liker = nprng.integers(0, n_users, size=n_events)
    inactive: set[int] = set()
    liked: list[tuple[int, int]] = []
    ts = T0 + DAY
    step = (30 * DAY) // n_events
    i = 0
    while len(lines) < n_events:
        ts += step
        r = rng.random()
        u, v = int(liker[i % n_events]), int(zipf[i % n_events])
        i += 1
        if r < 0.86 and u not in inactive:
            lines.append(
                {"type": "like", "ts": ts, "id": f"e{i}", "user": f"u{u}", "video": f"v{v}"}
            )
            liked.append((u, v))
        elif r < 0.91 and liked:
            lu, lv = liked[rng.randrange(len(liked))]
            if lu not in inactive:
                lines.append(
                    {"type": "unlike", "ts": ts, "id": f"e{i}", "user": f"u{lu}", "video": f"v{lv}"}
                )
        elif r < 0.94:
            lines.append(
                {
                    "type": "follow",
                    "ts": ts,
                    "id": f"e{i}",
                    "follower": f"u{u}",
                    "followee": f"c{v % n_creators}",
                }
            )
        elif r < 0.95:
            status = "active" if u in inactive else rng.choice(["deactivated", "suspended"])
            (inactive.discard if status == "active" else inactive.add)(u)
            lines.append(
                {
                    "type": "account.status",
                    "ts": ts,
                    "id": f"e{i}",
                    "user": f"u{u}",
                    "status": status,
                }
            )
        elif r < 0.955:
            kind = "block" if rng.random() < 0.7 else "unblock"
            lines.append(
                {
                    "type": kind,
                    "ts": ts,
                    "id": f"e{i}",
                    "blocker": f"c{v % n_creators}",
                    "blocked": f"u{u}",
                }
            )
        elif r < 0.96:
            lines.append(
                {
                    "type": "integrity.flag",
                    "ts": ts,
                    "id": f"e{i}",
                    "user": f"u{u}",
                    "detector": "bench",
                }
            )
        elif lines:
            lines.append(lines[rng.randrange(len(lines))])  # a client retry: same id, same content
    return [orjson.dumps(obj) for obj in lines]


def ledger_rows(lines: list[bytes]) -> list[tuple[int, str | None, str, int, bytes]]:
    """The rows likeledger's ledger table would hold for ``lines``: (seq, id, type, ts,
    canonical payload), client retries (a repeated id) dropped, invalid lines skipped."""
    rows: list[tuple[int, str | None, str, int, bytes]] = []
    seen: set[str] = set()
    for line in lines:
        try:
            event = parse_line(line)
        except InvalidEvent:
            continue
        if event.key is not None:
            if event.key in seen:
                continue
            seen.add(event.key)
        rows.append((len(rows) + 1, event.key, event.type, event.ts, event.content[2]))
    return rows


def raw_append(
    path: Path, rows: list[tuple[int, str | None, str, int, bytes]], *, keyed: bool
) -> float:
    """(a) The ledger's rows into one table, executemany per 20k-row batch, durable commits.

    ``keyed``: the table has the ledger's UNIQUE idempotency-key column, as likeledger's
    does (its B-tree is most of the cost); without it, the bare append.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    key = "TEXT UNIQUE" if keyed else "TEXT"
    conn.execute(
        f"CREATE TABLE ledger (seq INTEGER PRIMARY KEY, key {key}, type TEXT, ts INTEGER, "
        "payload BLOB)"
    )
    start = time.perf_counter()
    for first in range(0, len(rows), 20_000):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO ledger VALUES (?, ?, ?, ?, ?)", rows[first : first + 20_000])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def peer_pattern(path: Path, lines: list[bytes], sample: int = 20_000) -> float:
    """(b) One transaction per like: insert the like row, increment the video's counter."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE videos (name TEXT PRIMARY KEY, likes INTEGER NOT NULL DEFAULT 0)")
    conn.execute(
        "CREATE TABLE likes (user TEXT, video TEXT, ts INTEGER, PRIMARY KEY (user, video))"
    )
    likes = [orjson.loads(line) for line in lines]
    likes = [obj for obj in likes if obj["type"] == "like"][:sample]
    conn.executemany(
        "INSERT OR IGNORE INTO videos (name) VALUES (?)", [(o["video"],) for o in likes]
    )
    start = time.perf_counter()
    for obj in likes:
        conn.execute("BEGIN")
        cur = conn.execute(
            "INSERT OR IGNORE INTO likes VALUES (?, ?, ?)", (obj["user"], obj["video"], obj["ts"])
        )
        if cur.rowcount:
            conn.execute("UPDATE videos SET likes = likes + 1 WHERE name = ?", (obj["video"],))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(likes) / elapsed


def cli_ingest(db: Path, source: Path, n: int) -> tuple[float, dict[str, object]]:
    """(c) ``likeledger ingest`` through the real entry point, wall time of the process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "likeledger", "--db", str(db), "ingest", str(source), "--json"],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    report = orjson.loads(done.stdout)
    return n / elapsed, {k: report[k] for k in ("accepted", "duplicates", "stale", "rejected")}


def floors(source: Path, decide_db: str | Path, replay_db: str | Path) -> dict[str, float]:
    """Deciding alone and writing alone (``bench/floors.py``), in a fresh process as (c)."""
    script = Path(__file__).with_name("floors.py")
    command = [sys.executable, str(script), str(source), str(decide_db), str(replay_db)]
    done = subprocess.run(command, capture_output=True, check=True)
    result: dict[str, float] = orjson.loads(done.stdout)
    return result


def deactivation_ms(db: Path, fans: int = 100_000) -> float:
    """An account that liked 100k videos is deactivated: one ingest, all counts updated."""
    setup = [
        {
            "type": "video.published",
            "ts": T0,
            "id": f"dv{v}",
            "video": f"dv{v}",
            "creator": f"dc{v % 500}",
        }
        for v in range(fans)
    ]
    setup += [
        {"type": "like", "ts": T0 + 1 + v, "id": f"dl{v}", "user": "superfan", "video": f"dv{v}"}
        for v in range(fans)
    ]
    with Ledger.open(str(db)) as ledger:
        ledger.ingest_objects(setup)
        event = [
            {
                "type": "account.status",
                "ts": T0 + 10 * DAY,
                "id": "deact",
                "user": "superfan",
                "status": "deactivated",
            }
        ]
        start = time.perf_counter()
        report = ledger.ingest_objects(event)
        elapsed = (time.perf_counter() - start) * 1000
        assert report.accepted == 1
        assert ledger.count("dv123").likes == 0
    return elapsed


def explain_latency(db: Path, entries: int = 1_000_000) -> tuple[float, float]:
    """p50/p99 ms of explain over random windows for a video with ``entries`` journal rows."""
    rng = random.Random(3)
    span = 30 * DAY
    events: list[dict[str, object]] = [
        {"type": "video.published", "ts": T0, "id": "hot", "video": "hot", "creator": "star"}
    ]
    users = entries // 2
    for u in range(users):
        events.append(
            {"type": "like", "ts": T0 + 1 + u * (span // entries), "user": f"h{u}", "video": "hot"}
        )
    for u in range(users):
        events.append(
            {
                "type": "unlike",
                "ts": T0 + span // 2 + u * (span // entries),
                "user": f"h{u}",
                "video": "hot",
            }
        )
    with Ledger.open(str(db)) as ledger:
        ledger.ingest_objects(events)
        rows = ledger.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT count(*) FROM journal WHERE kind = 0 "
            "AND subject = (SELECT id FROM videos WHERE name = 'hot')"
        ).fetchone()[0]
        samples = []
        for _ in range(200):
            a, b = sorted(rng.randrange(T0, T0 + span) for _ in range(2))
            start = time.perf_counter()
            exp = ledger.explain("hot", a, b)
            samples.append((time.perf_counter() - start) * 1000)
            assert exp.start + sum(exp.changes.values()) == exp.end
    print(f"  hot video journal entries: {rows}")
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99))


def count_latency(db: Path, n: int = 100_000) -> tuple[float, float]:
    rng = random.Random(5)
    with Ledger.open(str(db)) as ledger:
        names = [f"v{rng.randrange(20_000)}" for _ in range(n)]
        samples = np.empty(n)
        for i, name in enumerate(names):
            start = time.perf_counter_ns()
            ledger.count(name)
            samples[i] = (time.perf_counter_ns() - start) / 1000
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None, help="folder for the databases")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="likeledger-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    lines = workload(args.events)
    source = folder / "events.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    print(f"workload: {len(lines)} events in {source}; {speed_probe()}")
    rows = ledger_rows(lines)
    a0 = raw_append(folder / "raw0.db", rows, keyed=False)
    print(f"(a0) raw append, executemany, no key index: {a0:,.0f} rows/s")
    a = raw_append(folder / "raw.db", rows, keyed=True)
    print(f"(a) raw append, executemany, the ledger's rows with their unique id: {a:,.0f} rows/s")
    b = peer_pattern(folder / "peer.db", lines)
    print(f"(b) peer pattern, one txn per like: {b:,.0f} events/s")
    c, report = cli_ingest(folder / "ledger.db", source, len(lines))
    print(f"(c) likeledger ingest (CLI, wall): {c:,.0f} events/s  {report}")
    print(
        f"    ratios: c/b = {c / b:.1f}x (target >= 7), c/a = {c / a:.2f} (target >= 0.25), "
        f"c/a0 = {c / a0:.2f}"
    )
    bounds = floors(source, folder / "decided.db", folder / "replayed.db")
    print(
        f"    bounds on (c), from an in-process ingest ({bounds['in_process']:,.0f} events/s "
        f"wall): (d) deciding alone {bounds['decide']:,.0f} events/s of its thread's CPU, "
        f"(w) writing its {bounds['batches']:.0f} batches alone {bounds['write']:,.0f} events/s;"
        f" d/a = {bounds['decide'] / a:.2f}, w/a = {bounds['write'] / a:.2f}"
    )
    took = deactivation_ms(folder / "fan.db")
    print(f"deactivate an account with 100k likes: {took:.0f} ms (target <= 250)")
    p50, p99 = explain_latency(folder / "hot.db")
    print(
        f"explain, video with 1M journal entries: p50 {p50:.2f} ms, p99 {p99:.2f} ms (target <= 20)"
    )
    p50, p99 = count_latency(folder / "ledger.db")
    print(f"count in-process: p50 {p50:.1f} µs, p99 {p99:.1f} µs (target p99 <= 20)")
    print(f"at the end: {speed_probe()}")


if __name__ == "__main__":
    main()
