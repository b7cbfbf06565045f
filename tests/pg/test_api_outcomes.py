"""``GET /v1/events/outcomes`` in server mode: what the projection made of each appended
event (pending, applied or refused with its code), against a real uvicorn server on the
throwaway cluster and the real projector. The refusals must be the ones a synchronous
SQLite server answers for the same events, code and message."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.live import LiveServer
from likeledger import projector
from likeledger.api.settings import Settings
from likeledger.ledger import Ledger

from .api_kit import get_ok

pytestmark = pytest.mark.postgres
SETTINGS = Settings(rate_limit=0, min_seq_wait=0.3)
PATH = "/v1/events/outcomes"
EVENTS: list[dict[str, Any]] = [
    {"type": "video.published", "ts": 1, "video": "v1", "creator": "c1"},  # accepted
    {"type": "like", "ts": 2, "user": "u1", "video": "v1"},  # accepted
    {"type": "like", "ts": 3, "user": "u2", "video": "ghost"},  # refused: unknown_video
    {"type": "like"},  # malformed: refused at once, never appended
    {"type": "like", "ts": 4, "user": "u3", "video": "v1", "id": "e-dup"},  # accepted
    {"type": "like", "ts": 4, "user": "u3", "video": "v1", "id": "e-dup"},  # duplicate
    {"type": "unlike", "ts": 1, "user": "u1", "video": "v1"},  # stale
    {"type": "video.published", "ts": 5, "video": "v1", "creator": "c2"},  # video_exists
]
SQLITE_STATUSES = [
    "accepted",
    "accepted",
    "refused",
    "refused",
    "accepted",
    "duplicate",
    "stale",
    "refused",
]


def _project(url: str) -> int:
    """Run the projector once over the inbox (as ``likeledger project`` does): lines applied."""
    with Ledger.open(url) as ledger:
        return projector.project(projector.postgres(ledger.store)).lines


def _outcomes(client: httpx.Client, first: int, last: int, **params: Any) -> dict[str, Any]:
    return get_ok(client, PATH, **{"from": first, "to": last, **params})


def _post(client: httpx.Client) -> list[dict[str, Any]]:
    """Post EVENTS (no worker runs yet): the per-event results, the malformed one refused."""
    reply = client.post("/v1/events", json=EVENTS)
    assert reply.status_code == 422, reply.text  # the malformed event; the others committed
    body = reply.json()
    assert (body["appended"], body["last_seq"]) == (7, 7)
    results: list[dict[str, Any]] = body["results"]
    return results


def _sqlite_results(folder: Path) -> list[dict[str, Any]]:
    """The same events on a synchronous SQLite server: each final result at once."""
    reference = LiveServer(folder / "reference.db", SETTINGS)
    with reference, reference.client(reference.token("ingest")) as client:
        results: list[dict[str, Any]] = client.post("/v1/events", json=EVENTS).json()["results"]
    assert [r["status"] for r in results] == SQLITE_STATUSES
    return results


def test_outcomes_are_pending_then_applied_or_refused_like_sqlite(
    pg_url: str, tmp_path: Path
) -> None:
    server = LiveServer(pg_url, SETTINGS)
    with server, server.client(server.token("ingest")) as client:
        posted = _post(client)
        positions = [r.get("seq") for r in posted]
        assert positions == [1, 2, 3, None, 4, 5, 6, 7]  # the malformed one: no position
        before = _outcomes(client, 1, 50)
        assert _project(pg_url) == 7
        after = _outcomes(client, 1, 50)
        one = _outcomes(client, 3, 3)
        beyond = _outcomes(client, 8, 100)
    assert (before["projected"], before["inbox_head"]) == (0, 7)
    assert before["outcomes"] == [
        {"position": p, "status": "pending", "code": None, "message": None} for p in range(1, 8)
    ]
    assert (after["projected"], after["inbox_head"]) == (7, 7)
    by_position = {o["position"]: o for o in after["outcomes"]}
    assert list(by_position) == list(range(1, 8))
    assert [by_position[p]["status"] for p in range(1, 8)] == [
        "applied",
        "applied",
        "refused",
        "applied",  # accepted
        "applied",  # duplicate: not told apart
        "applied",  # stale: not told apart
        "refused",
    ]
    assert (by_position[3]["code"], by_position[7]["code"]) == ("unknown_video", "video_exists")
    # Each appended event ends as the synchronous SQLite server answered it at once.
    for ours, theirs in zip(posted, _sqlite_results(tmp_path), strict=True):
        if ours["status"] != "appended":
            assert ours == theirs  # refused at once, in both modes
            continue
        outcome = by_position[ours["seq"]]
        if theirs["status"] == "refused":
            expected = ("refused", theirs["code"], theirs["message"])
        else:
            expected = ("applied", None, None)
        assert (outcome["status"], outcome["code"], outcome["message"]) == expected
    assert one["outcomes"] == [by_position[3]]
    assert "ghost" in by_position[3]["message"]
    assert (beyond["inbox_head"], beyond["outcomes"]) == (7, [])  # no such positions yet


def test_range_and_scope_errors(pg_url: str) -> None:
    with LiveServer(pg_url, SETTINGS) as server:
        with server.client(server.token("ingest")) as client:
            backwards = client.get(PATH, params={"from": 5, "to": 4})
            too_wide = client.get(PATH, params={"from": 1, "to": 10_001})
            widest = client.get(PATH, params={"from": 1, "to": 10_000})
            zero = client.get(PATH, params={"from": 0, "to": 3})
            no_to = client.get(PATH, params={"from": 1})
            long_wait = client.get(PATH, params={"from": 1, "to": 3, "wait": 11})
        with server.client(server.token("read")) as reader:
            forbidden = reader.get(PATH, params={"from": 1, "to": 3})
        with server.client() as anonymous:
            unknown = anonymous.get(PATH, params={"from": 1, "to": 3})
    assert backwards.status_code == 422, backwards.text
    assert backwards.json() == {
        "error": "invalid_parameter",
        "detail": "from=5 is after to=4",
        "parameter": "from",
    }
    assert too_wide.status_code == 422, too_wide.text
    assert too_wide.json()["parameter"] == "to"
    assert "10,001 positions; at most 10,000 per request" in too_wide.json()["detail"]
    assert widest.status_code == 200, widest.text
    assert widest.json() == {"projected": 0, "inbox_head": 0, "outcomes": []}
    for reply, name in ((zero, "from"), (no_to, "to"), (long_wait, "wait")):
        assert reply.status_code == 422, reply.text
        assert reply.json()["error"] == "invalid_parameter"
        assert reply.json()["detail"][0]["loc"] == ["query", name]
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "forbidden")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "unauthorized")


def test_wait_answers_once_the_range_is_projected(pg_url: str) -> None:
    server = LiveServer(pg_url, SETTINGS)
    with server, server.client(server.token("ingest")) as client:
        _post(client)
        started = time.monotonic()
        timed_out = _outcomes(client, 1, 7, wait=0.4)  # no projector: still pending
        waited_out = time.monotonic() - started
        later = threading.Timer(0.5, _project, args=(pg_url,))
        started = time.monotonic()
        later.start()
        try:
            waited = _outcomes(client, 2, 6, wait=10)
            took = time.monotonic() - started
        finally:
            later.join()
        started = time.monotonic()
        capped = _outcomes(client, 1, 1_000, wait=10)  # `to` past the head: no waiting
        quick = time.monotonic() - started
    assert waited_out >= 0.4
    assert timed_out["projected"] == 0
    assert {o["status"] for o in timed_out["outcomes"]} == {"pending"}
    assert 0.4 <= took < 10
    assert waited["projected"] == 7
    assert [o["status"] for o in waited["outcomes"]] == [
        "applied",
        "refused",
        "applied",
        "applied",
        "applied",
    ]
    assert len(capped["outcomes"]) == 7
    assert quick < 5
