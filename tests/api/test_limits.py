"""Limits and consistency on a server with tight settings: 413, 429, min_seq and 503."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from likeledger.api.settings import Settings

from .live import LiveServer, wait_until

TIGHT = Settings(
    max_body_bytes=4_096,
    max_events=5,
    rate_limit=0.5,
    rate_burst=8,
    min_seq_wait=0.3,
    retry_after=2,
)


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("tight") / "t.db", TIGHT) as server:
        yield server


def _publish(n: int, prefix: str) -> list[dict[str, object]]:
    return [
        {
            "type": "video.published",
            "ts": i,
            "id": f"{prefix}{i}",
            "video": f"{prefix}{i}",
            "creator": "c",
        }
        for i in range(n)
    ]


def test_body_over_the_limit_is_413(tight: LiveServer) -> None:
    with tight.client(tight.token("ingest")) as client:
        declared = client.post("/v1/events", content=b" " * 5_000)
        streamed = client.post("/v1/events", content=iter([b" " * 3_000, b" " * 3_000]))
        head = client.get("/v1/health").json()["as_of"]
    for reply in (declared, streamed):
        assert reply.status_code == 413
        assert reply.json()["error"] == "payload_too_large"
    assert head == 0


def test_too_many_events_is_413_and_commits_nothing(tight: LiveServer) -> None:
    with tight.client(tight.token("ingest")) as client:
        over = client.post("/v1/events", json=_publish(6, "over"))
        within = client.post("/v1/events", json=_publish(5, "within"))
    assert over.status_code == 413
    assert "limit is 5" in over.json()["detail"]
    assert within.status_code == 200
    assert within.json()["accepted"] == 5


def test_rate_limit_per_token_is_429_with_retry_after(tight: LiveServer) -> None:
    first, second = tight.token("read"), tight.token("read")
    with tight.client(first) as client:
        codes = [client.get("/v1/me").status_code for _ in range(12)]
        limited = client.get("/v1/me")
    with tight.client(second) as client:
        other = client.get("/v1/me").status_code
    assert codes[:8] == [200] * 8
    assert 429 in codes[8:]
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert other == 200  # the limit is per token


def test_min_seq_in_the_future_is_503_after_a_bounded_wait(tight: LiveServer) -> None:
    with tight.client(tight.token("admin")) as client:
        head = client.get("/v1/health").json()["as_of"]
        began = time.monotonic()
        reply = client.get("/v1/creators/c/videos", params={"min_seq": head + 100})
        waited = time.monotonic() - began
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "2"
    assert reply.json()["error"] == "not_ready"
    assert reply.json()["as_of"] == head
    assert 0.25 <= waited < 3


def test_read_your_writes(tight: LiveServer) -> None:
    admin = tight.token("admin")
    with tight.client(admin) as client:
        written = client.post("/v1/events", json=_publish(1, "ryw")).json()
        seq = written["last_seq"]
        reply = client.get("/v1/videos/ryw0/count", params={"min_seq": seq})
    assert reply.status_code == 200
    assert reply.json()["as_of"] >= seq
    assert reply.json()["likes"] == 0


def test_a_waiting_read_answers_once_the_write_lands(tight: LiveServer) -> None:
    admin = tight.token("admin")
    results: list[httpx.Response] = []
    with tight.client(admin) as client:
        head = client.get("/v1/health").json()["as_of"]

    def read() -> None:
        with tight.client(admin) as reader:
            results.append(reader.get("/v1/creators/c/videos", params={"min_seq": head + 1}))

    waiter = threading.Thread(target=read)
    waiter.start()
    with tight.client(admin) as client:
        wait_until(lambda: _waiting(client), timeout=5)
        client.post("/v1/events", json=_publish(1, "late"))
    waiter.join(timeout=10)
    (reply,) = results
    assert reply.status_code == 200
    assert reply.json()["as_of"] >= head + 1
    assert "late0" in {v["video"] for v in reply.json()["videos"]}


def _waiting(client: httpx.Client) -> bool:
    """The server holds one read waiting for its min_seq."""
    return "likeledger_min_seq_waiting 1.0" in client.get("/metrics").text


def test_bad_settings_name_the_variable(tmp_path: Path) -> None:
    from likeledger.errors import ConfigError

    with pytest.raises(ConfigError, match="LIKELEDGER_MAX_EVENTS"):
        Settings.from_env({"LIKELEDGER_MAX_EVENTS": "many"})
    with pytest.raises(ConfigError, match="LIKELEDGER_RATE_LIMIT"):
        Settings.from_env({"LIKELEDGER_RATE_LIMIT": "-1"})
    assert Settings.from_env({"LIKELEDGER_MIN_SEQ_WAIT": "0.5"}).min_seq_wait == 0.5
    assert Settings.from_env({}) == Settings()
    from likeledger.api.app import create_app

    with pytest.raises(ConfigError, match="SQLite database file"):
        create_app(":memory:", Settings())
    assert create_app(str(tmp_path / "fine.db"), Settings()).title == "likeledger"
