"""Server mode on PostgreSQL: append now, project asynchronously, exactly once.

Events here carry no ids on purpose: a line applied twice would count twice, so every
comparison with a synchronous SQLite ingest of the same lines also proves exactly-once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psycopg
import pytest

from ledger_kit import answers, collector_at_exit, snapshot
from likeledger import projector
from likeledger.errors import StorageError
from likeledger.ledger import Ledger
from likeledger.store.postgres import PostgresStore
from likeledger.store.postgres_sql import Checkpoint, write_checkpoint
from pgcluster import PgCluster

pytestmark = pytest.mark.postgres
EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))
CLI = [sys.executable, "-m", "likeledger.projector_cli"]


def stream(seed: int, n: int, tag: str = "") -> list[bytes]:
    """A seeded mix without ids: publishes, likes, unlikes, status changes, blocks, flags."""
    rng = random.Random(seed)
    users, videos = [f"{tag}u{i}" for i in range(60)], [f"{tag}v{i}" for i in range(12)]
    out = [
        {"type": "video.published", "ts": i, "video": v, "creator": users[i % 5]}
        for i, v in enumerate(videos)
    ]
    for ts in range(100, 100 + n - len(out)):
        r, u, v = rng.random(), rng.choice(users), rng.choice(videos)
        if r < 0.7:
            out.append(
                {"type": rng.choice(["like", "like", "unlike"]), "ts": ts, "user": u, "video": v}
            )
        elif r < 0.8:
            status = rng.choice(["active", "active", "deactivated", "suspended"])
            out.append({"type": "account.status", "ts": ts, "user": u, "status": status})
        elif r < 0.9:
            kind = rng.choice(["block", "unblock"])
            out.append({"type": kind, "ts": ts, "blocker": users[rng.randrange(5)], "blocked": u})
        else:
            kind = rng.choice(["integrity.flag", "integrity.clear"])
            out.append({"type": kind, "ts": ts, "user": u})
    return [orjson.dumps(event) for event in out]


def reference(tmp_path: Path, lines: list[bytes]) -> Ledger:
    ledger = Ledger.open(str(tmp_path / "reference.db"), durable=False)
    ledger.ingest(lines)
    return ledger


def inbox_lines(url: str) -> list[bytes]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT pos, line FROM inbox ORDER BY pos").fetchall()
    assert [pos for pos, _ in rows] == list(range(1, len(rows) + 1))  # gapless positions
    return [bytes(line) for _, line in rows]


def test_append_then_project_equals_synchronous_ingest(pg_url: str) -> None:
    lines = [line for path in EXAMPLES for line in path.read_bytes().splitlines()]
    with Ledger.open(pg_url, flip_threshold=None) as pg, Ledger.open(":memory:") as lite:
        expected = lite.ingest(lines)
        store = projector.postgres(pg.store)
        appended = projector.append(store, lines, source="examples")
        assert (appended.first, appended.last) == (1, len([x for x in lines if x.strip()]))
        before = projector.status(store)
        assert (before.pending, before.projected, pg.head()) == (appended.last, 0, 0)
        assert before.oldest_s is not None
        assert before.oldest_s >= 0
        done = projector.project(store, batch=7)
        assert done.position == appended.last
        after = projector.status(store)
        assert (after.pending, after.oldest_s, after.ledger_head) == (0, None, pg.head())
        assert snapshot(pg) == snapshot(lite)
        assert answers(pg, [(None, None)]) == answers(lite, [(None, None)])
        refused = projector.refusals(store, 1, appended.last)
        assert [(c, m) for _, c, m in refused] == [(e.code, e.message) for e in expected.errors]
        assert after.refused == len(refused) > 0
        assert projector.project(store).lines == 0  # nothing left: idempotent


def test_a_checkpoint_that_moved_refuses_the_batch(pg_url: str) -> None:
    with Ledger.open(pg_url) as ledger:
        store = ledger.store
        assert isinstance(store, PostgresStore)
        with pytest.raises(StorageError, match="another projector"), store.conn.transaction():
            write_checkpoint(store.conn.cursor(), Checkpoint("counts", 5, 9), 0)
        assert projector.checkpoint(store) == 0


def _start(url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LIKELEDGER_DB": url}
    return subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_projector_resumes_exactly(pg_url: str, tmp_path: Path) -> None:
    lines = stream(1, 30_000)
    with Ledger.open(pg_url) as pg:
        store = projector.postgres(pg.store)
        projector.append(store, lines)
        worker = _start(pg_url, "project", "--batch", "300")
        deadline = time.monotonic() + 60
        while projector.checkpoint(store) < 3_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)  # mid-run, most likely mid-batch
        worker.communicate()
        killed_at = projector.checkpoint(store)
        assert 3_000 <= killed_at < len(lines)
        assert pg.head() == projector.status(store).ledger_head  # no half batch visible
        restarted = _start(pg_url, "project", "--json")
        out, err = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, err.decode()
        assert orjson.loads(out)["lines"] == len(lines) - killed_at
        with reference(tmp_path, lines) as lite:
            assert snapshot(pg) == snapshot(lite)
        assert pg.reconcile().drift == []


def test_a_one_shot_project_leaves_the_collector_off(pg_url: str) -> None:
    """As ``ingest`` does: the process exits right after catching up (likeledger.cli)."""
    with Ledger.open(pg_url) as pg:
        projector.append(projector.postgres(pg.store), stream(5, 500))
    assert "collector on at exit: False" in collector_at_exit(["--db", pg_url, "project"])
    with Ledger.open(pg_url) as pg:
        assert projector.status(projector.postgres(pg.store)).pending == 0


def test_two_projectors_apply_each_line_once(pg_url: str, tmp_path: Path) -> None:
    lines = stream(2, 8_000)
    with Ledger.open(pg_url) as pg:
        projector.append(projector.postgres(pg.store), lines)
        workers = [_start(pg_url, "project", "--batch", "250", "--json") for _ in range(2)]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err.decode()
            results.append(orjson.loads(out))
        assert sum(r["lines"] for r in results) == len(lines)
        assert max(r["position"] for r in results) == len(lines)
        with reference(tmp_path, lines) as lite:
            assert snapshot(pg) == snapshot(lite)


APPENDER = """
import sys, orjson
from likeledger.ledger import Ledger
from likeledger import projector
url, path = sys.argv[1], sys.argv[2]
lines = open(path, "rb").read().splitlines()
with Ledger.open(url) as ledger:
    store = projector.postgres(ledger.store)
    for start in range(0, len(lines), 25):
        projector.append(store, lines[start:start + 25])
"""


def test_concurrent_appenders_and_a_following_projector_miss_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    Ledger.open(pg_url).close()  # migrated before the race starts
    follower = _start(pg_url, "project", "--follow", "--batch", "100", "--json")
    appenders, sent = [], {}
    for tag in "ABC":
        sent[tag] = stream(ord(tag), 1_500, tag)
        path = tmp_path / f"{tag}.jsonl"
        path.write_bytes(b"\n".join(sent[tag]))
        appenders.append(subprocess.Popen([sys.executable, "-c", APPENDER, pg_url, str(path)]))
    assert [proc.wait(timeout=120) for proc in appenders] == [0, 0, 0]
    with Ledger.open(pg_url) as pg:
        store = projector.postgres(pg.store)
        assert projector.status(store).inbox_head == 4_500
        assert projector.wait_for(store, 4_500, timeout=60)
        follower.send_signal(signal.SIGTERM)  # a graceful stop: finish the batch in hand
        out, err = follower.communicate(timeout=60)
        assert follower.returncode == 0, err.decode()
        assert orjson.loads(out)["position"] == 4_500
        received = inbox_lines(pg_url)
        for lines in sent.values():  # each appender's lines, in its order
            mine = set(lines)
            assert [line for line in received if line in mine] == lines
        with reference(tmp_path, received) as lite:  # applied in position order, none missed
            assert snapshot(pg) == snapshot(lite)
            assert answers(pg, [(None, None)]) == answers(lite, [(None, None)])


def test_the_server_mode_cli(pg_url: str, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(stream(3, 200)) + b"\n\n")
    env = {**os.environ, "LIKELEDGER_DB": pg_url}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*CLI, *args], env=env, capture_output=True, timeout=60)

    appended = run("append", str(source), "--json")
    assert orjson.loads(appended.stdout) == {"first": 1, "last": 200, "appended": 200}
    assert run("wait", "200", "--timeout", "0.2").returncode == 1
    assert orjson.loads(run("status", "--json").stdout)["pending"] == 200
    assert run("project").returncode == 0
    assert run("wait", "200").returncode == 0
    now = orjson.loads(run("status", "--json").stdout)
    assert (now["pending"], now["projected"]) == (0, 200)
    assert "pending 0" in run("status").stdout.decode()
    lite = subprocess.run(
        [*CLI, "--db", str(tmp_path / "x.db"), "status"], capture_output=True, timeout=60
    )
    assert lite.returncode == 1
    assert b"needs a postgresql:// ledger" in lite.stderr


def test_postgres_crashing_under_load_gives_clear_errors_then_converges(
    pg_cluster: PgCluster, pg_url: str, tmp_path: Path
) -> None:
    lines = stream(4, 6_000)
    with Ledger.open(pg_url) as pg:
        projector.append(projector.postgres(pg.store), lines[:4_000])
    follower = _start(pg_url, "project", "--follow", "--batch", "100")
    with Ledger.open(pg_url) as pg:
        store = projector.postgres(pg.store)
        deadline = time.monotonic() + 60
        while projector.checkpoint(store) < 500 and time.monotonic() < deadline:
            time.sleep(0.01)
        pg_cluster.down("immediate")  # a crash: no shutdown checkpoint
        try:
            with pytest.raises(StorageError, match="PostgreSQL failed while appending"):
                projector.append(store, lines[4_000:])
            _out, err = follower.communicate(timeout=60)
            assert follower.returncode == 1
            assert err.decode().startswith("error: PostgreSQL failed")
            assert "Traceback" not in err.decode()
        finally:
            pg_cluster.up()
    with Ledger.open(pg_url) as pg:  # after crash recovery: every committed batch is there
        store = projector.postgres(pg.store)
        assert projector.status(store).inbox_head == 4_000
        projector.append(store, lines[4_000:])  # the client retries the failed append
        assert projector.project(store).position == 6_000
        with reference(tmp_path, lines) as lite:
            assert snapshot(pg) == snapshot(lite)
        assert pg.reconcile().drift == []


def test_an_over_long_line_is_stored_cut_and_refused_as_such(pg_url: str) -> None:
    long_line = b'{"type": "like", "ts": 1, "user": "' + b"u" * 70_000 + b'", "video": "v"}'
    with Ledger.open(pg_url) as pg:
        store = projector.postgres(pg.store)
        appended = projector.append(store, [b"", long_line, b"  "])
        assert (appended.first, appended.last, appended.lines) == (1, 1, 1)
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT length(line), lineno FROM inbox").fetchall() == [
                (65_537, 2)
            ]
        projector.project(store)
        ((pos, code, message),) = projector.refusals(store, 1, 1)
        assert (pos, code) == (1, "invalid_event")
        assert "longer than the 65536-byte limit" in message
        assert pg.head() == 0
