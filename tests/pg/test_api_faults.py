"""Faults of issue 6 through the HTTP API, with real processes on the real cluster:

- the API server is SIGKILLed mid-``POST /v1/events`` (before the append committed, and
  after it committed but before the client got the answer); the client resends the same
  ids to a restarted server: nothing lost, nothing doubled;
- PostgreSQL is stopped (a crash) and restarted under API load: clients get clear JSON
  errors (503 ``storage_error``), never a 500 or a dropped connection; the server reconnects
  by itself, the client resends, a restarted worker catches up, and everything converges
  to what a single synchronous ingest of the same events gives.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from likeledger.api.services import issue_token
from likeledger.ledger import Ledger
from pgcluster import PgCluster

from .api_kit import ServeProcess, Worker, keyed_events, stopped, wait_projected, worker
from .kit import snapshot

pytestmark = pytest.mark.postgres


def _client(server: ServeProcess, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def _inbox_head(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT head FROM inbox_meta").fetchone()
    assert row is not None
    return int(row[0])


def _kill_during(
    server: ServeProcess, token: str, batch: list[dict[str, Any]], when: Callable[[], bool]
) -> BaseException | None:
    """POST ``batch`` and SIGKILL the server as soon as ``when()``; the client's error."""
    with ThreadPoolExecutor(1) as pool, _client(server, token) as client:
        reply: Future[httpx.Response] = pool.submit(client.post, "/v1/events", json=batch)
        while not when() and not reply.done():
            time.sleep(0.0005)
        server.kill()
        return reply.exception()


def _moment(url: str, head: int, committed: bool) -> Callable[[], bool]:
    """When to kill: once the inbox head moved past ``head`` (the append committed), or
    20 ms into the request (sent, still being checked: nothing committed yet)."""
    if committed:
        return lambda: _inbox_head(url) > head
    start = time.monotonic()
    return lambda: time.monotonic() > start + 0.02


def _resend(server: ServeProcess, token: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    with _client(server, token) as client:
        reply = client.post("/v1/events", json=batch)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _reference(tmp_path: Path, events: list[dict[str, Any]]) -> Ledger:
    ledger = Ledger.open(str(tmp_path / "reference.db"), durable=False)
    assert ledger.ingest_objects(events).accepted == len(events)
    return ledger


def _post_killing_the_server(
    server: ServeProcess, token: str, batches: list[list[dict[str, Any]]]
) -> Counter[str]:
    """POST each batch, SIGKILL the server mid-request, restart it, resend the batch."""
    cases: Counter[str] = Counter()
    for index, batch in enumerate(batches):
        head = _inbox_head(server.url)
        error = _kill_during(server, token, batch, _moment(server.url, head, index % 2 == 1))
        if error is not None:  # connected, sent, never answered (not a ConnectError)
            assert isinstance(
                error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError
            ), repr(error)
            cases["committed" if _inbox_head(server.url) > head else "lost"] += 1
        server.start()  # restarted on the same port; the client resends the same ids
        _resend(server, token, batch)
    return cases


def test_an_api_server_killed_mid_post_loses_and_doubles_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    events = keyed_events(7, 60_000)
    batches = [events[i : i + 10_000] for i in range(0, len(events), 10_000)]
    server = ServeProcess(pg_url).start()
    token = issue_token(pg_url, ["admin"])
    follower = worker(pg_url, "--batch", "2000")
    try:
        cases = _post_killing_the_server(server, token, batches)
        with _client(server, token) as client:
            status = wait_projected(client, _inbox_head(pg_url))
    finally:
        server.stop()
        code, _out, err = stopped(follower)
    assert code == 0, err.decode()
    assert cases["committed"] >= 1  # answered never, appended already: the resend doubled lines
    assert cases["lost"] >= 1  # killed before the append committed: the resend is the only copy
    assert status["written"] > len(events)  # the inbox holds the resent copies too ...
    assert status["ledger_head"] == len(events)  # ... and the ledger each event once
    with Ledger.open(pg_url) as pg, _reference(tmp_path, events) as lite:
        assert snapshot(pg) == snapshot(lite)
        assert pg.reconcile().drift == []


def _hammer(server: ServeProcess, token: str, seen: list[str], done: threading.Event) -> None:
    """Read a count in a loop, noting each answer: ``200`` or ``503 <error code>``."""
    with _client(server, token) as client:
        while not done.is_set():
            try:
                reply = client.get("/v1/videos/v3/count")
            except httpx.TransportError as exc:
                seen.append(f"transport {type(exc).__name__}")
                continue
            code = reply.status_code
            seen.append(str(code) if code == 200 else f"{code} {reply.json().get('error')}")


def _outage(
    cluster: PgCluster, client: httpx.Client, batch: list[dict[str, Any]], follower: Worker
) -> None:
    """Crash PostgreSQL, check the errors clients and the worker get, start it again."""
    cluster.down("immediate")  # a crash: no shutdown checkpoint
    try:
        refused = client.post("/v1/events", json=batch)
        health = client.get("/v1/health")
        _out, err = follower.communicate(timeout=60)
    finally:
        cluster.up()
    assert (refused.status_code, refused.json()["error"]) == (503, "storage_error")
    assert "PostgreSQL" in refused.json()["detail"]
    assert health.status_code == 503
    assert follower.returncode == 1
    assert err.decode().startswith("error: PostgreSQL failed")
    assert "Traceback" not in err.decode()


def test_postgres_restarted_under_api_load_gives_clear_errors_then_converges(
    pg_cluster: PgCluster, pg_url: str, tmp_path: Path
) -> None:
    events = keyed_events(8, 20_000)
    batches = [events[i : i + 500] for i in range(0, len(events), 500)]
    server = ServeProcess(pg_url).start()
    token = issue_token(pg_url, ["admin"])
    follower = worker(pg_url, "--batch", "300")
    seen: list[str] = []
    done = threading.Event()
    reader = threading.Thread(target=_hammer, args=(server, token, seen, done))
    try:
        with _client(server, token) as client:
            for batch in batches[:15]:
                assert client.post("/v1/events", json=batch).status_code == 200
            wait_projected(client, 500)  # the worker is at work, v3 is published
            reader.start()
            _outage(pg_cluster, client, batches[15], follower)
            for batch in batches[15:]:  # the same server reconnects; the client resends
                again = client.post("/v1/events", json=batch)
                assert again.status_code == 200, again.text
            follower = worker(pg_url, "--batch", "300")  # a supervisor restarts the worker
            status = wait_projected(client, _inbox_head(pg_url))
    finally:
        done.set()
        if reader.is_alive():
            reader.join(timeout=60)
        server.stop()
        code, _out, err = stopped(follower)
    assert code == 0, err.decode()
    assert "503 storage_error" in seen  # reads during the outage: clear errors ...
    assert set(seen) == {"200", "503 storage_error"}  # ... never a 500 or a dropped connection
    assert seen[-1] == "200"  # and answers again afterwards
    assert status["ledger_head"] == len(events)
    with Ledger.open(pg_url) as pg, _reference(tmp_path, events) as lite:
        assert snapshot(pg) == snapshot(lite)
