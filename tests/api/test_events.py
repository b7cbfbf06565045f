"""POST /v1/events against a live server: per-event results, retries, malformed bodies."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from .live import LiveServer, Site, ndjson

T = "2026-12-01T10:00:00Z"


def test_examples_report_like_the_cli(site: Site) -> None:
    bot = site.ingested["01-bot-purge.jsonl"].json()
    assert bot["accepted"] == 15
    assert [r["seq"] for r in bot["results"]] == list(range(1, 16))
    assert [r["line"] for r in bot["results"]] == list(range(1, 16))
    retries = site.ingested["08-duplicate-retries.jsonl"].json()
    assert [r["status"] for r in retries["results"]] == [
        "accepted",
        "accepted",
        "duplicate",
        "duplicate",
        "accepted",
        "refused",
    ]
    assert retries["results"][5]["code"] == "id_conflict"
    late = site.ingested["09-out-of-order.jsonl"].json()
    assert late["stale"] == 2
    assert sum(r["status"] == "stale" for r in late["results"]) == 2


def test_a_malformed_event_is_422_and_the_rest_commit(site: Site) -> None:
    reply = site.ingested["07-deletion.jsonl"]
    assert reply.status_code == 422
    body = reply.json()
    assert body["error"] == {
        "error": "invalid_event",
        "detail": 'unknown event type "count-check-after-deletion"',
        "index": 10,
        "line": 11,
    }
    assert body["accepted"] == 10
    with site.client("read") as client:
        # ana's like stands; tess's was removed when her account was deleted (line 10).
        assert client.get("/v1/videos/sam-short/count").json()["likes"] == 1
        assert client.get("/v1/videos/sam-old-clip/count").json()["error"] == "video_deleted"


def test_json_array_results_per_event(site: Site) -> None:
    events = [
        {"type": "video.published", "ts": T, "id": "arr-1", "video": "arr-v", "creator": "arr-c"},
        {"type": "like", "ts": T, "id": "arr-2", "user": "arr-u", "video": "arr-v"},
        {"type": "like", "ts": T, "id": "arr-2", "user": "arr-u", "video": "arr-v"},
        {"type": "like", "ts": T, "user": "arr-u2", "video": "nope"},
        {"type": "unlike", "ts": "2026-12-01T09:00:00Z", "user": "arr-u", "video": "arr-v"},
        {"type": "like", "ts": T, "user": "arr-u3", "video": "arr-v"},
        {"type": "like", "ts": T, "id": "arr-2", "user": "other", "video": "arr-v"},
    ]
    with site.client("ingest") as client:
        reply = client.post("/v1/events", json=events)
    assert reply.status_code == 200
    body = reply.json()
    results = body["results"]
    first = results[0]["seq"]
    assert [r["status"] for r in results] == [
        "accepted",
        "accepted",
        "duplicate",
        "refused",
        "stale",
        "accepted",
        "refused",
    ]
    assert [r.get("seq") for r in results] == [
        first,
        first + 1,
        None,
        None,
        first + 2,
        first + 3,
        None,
    ]
    assert results[3]["code"] == "unknown_video"
    assert results[6]["code"] == "id_conflict"
    assert all("line" not in r for r in results)
    assert [r["index"] for r in results] == list(range(7))
    assert body["last_seq"] == first + 3
    assert (body["accepted"], body["duplicates"], body["stale"], body["rejected"]) == (4, 1, 1, 2)


def test_a_retried_request_changes_nothing(site: Site) -> None:
    events = [
        {"type": "video.published", "ts": T, "id": "rt-pub", "video": "rt-v", "creator": "rt-c"},
        *(
            {"type": "like", "ts": T, "id": f"rt-l{n}", "user": f"rt-u{n}", "video": "rt-v"}
            for n in range(5)
        ),
    ]
    with site.client("ingest") as client:
        first = client.post("/v1/events", json=events).json()
        again = client.post("/v1/events", json=events).json()
        health = client.get("/v1/health").json()
    with site.client("read") as client:
        count = client.get("/v1/videos/rt-v/count").json()
    assert first["accepted"] == 6
    assert again["accepted"] == 0
    assert again["duplicates"] == 6
    assert again["last_seq"] is None
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert health["as_of"] == first["last_seq"]
    assert count["likes"] == 5


def test_ndjson_counts_blank_lines_and_sniffs_without_content_type(site: Site) -> None:
    lines = [
        b'{"type": "video.published", "ts": 1, "id": "nd-1", "video": "nd-v", "creator": "nd-c"}',
        b"",
        b"{not json",
        b'{"type": "like", "ts": 2, "id": "nd-2", "user": "nd-u", "video": "nd-v"}',
    ]
    with site.client("ingest") as client:
        reply = client.post("/v1/events", content=b"\n".join(lines) + b"\n")
    assert reply.status_code == 422
    body = reply.json()
    assert [(r["index"], r["line"], r["status"]) for r in body["results"]] == [
        (0, 1, "accepted"),
        (1, 3, "refused"),
        (2, 4, "accepted"),
    ]
    assert body["error"]["line"] == 3
    assert body["error"]["index"] == 1
    assert body["results"][1]["code"] == "invalid_event"


def test_a_body_that_is_not_json_commits_nothing(site: Site) -> None:
    good = orjson.dumps(
        {"type": "video.published", "ts": 1, "id": "bad-1", "video": "bad-v", "creator": "c"}
    )
    body = b"[" + good + b",\n" + good + b',\n{"type": oops}]'
    with site.client("ingest") as client:
        before = client.get("/v1/health").json()["as_of"]
        reply = client.post(
            "/v1/events", content=body, headers={"Content-Type": "application/json"}
        )
        after = client.get("/v1/health").json()["as_of"]
    assert reply.status_code == 400
    assert reply.json()["error"] == "malformed_body"
    assert (reply.json()["index"], reply.json()["line"]) == (2, 3)
    assert before == after


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"type": "like"}', "application/json", 400, "malformed_body"),
        (b"[]", "text/csv", 415, "unsupported_media_type"),
        (b"", "application/x-ndjson", 200, None),
        (b"[]", "application/json", 200, None),
    ],
)
def test_body_shapes(
    site: Site, body: bytes, content_type: str, status: int, code: str | None
) -> None:
    with site.client("ingest") as client:
        reply = client.post("/v1/events", content=body, headers={"Content-Type": content_type})
    assert reply.status_code == status
    if code is None:
        assert reply.json()["results"] == []
    else:
        assert reply.json()["error"] == code


def test_ndjson_line_over_the_limit_is_refused_alone(tmp_path: Path) -> None:
    long_line = orjson.dumps(
        {"type": "ranking.version", "ts": 1, "version": "x", "pad": "y" * 70_000}
    )
    ok = orjson.dumps({"type": "ranking.version", "ts": 2, "version": "r2"})
    with LiveServer(tmp_path / "l.db") as server, server.client(server.token("ingest")) as client:
        reply = client.post(
            "/v1/events",
            content=long_line + b"\n" + ok,
            headers={"Content-Type": "application/x-ndjson"},
        )
    assert reply.status_code == 422
    statuses = [r["status"] for r in reply.json()["results"]]
    assert statuses == ["refused", "accepted"]


def test_events_need_the_ingest_scope(site: Site) -> None:
    payload = ndjson([{"type": "ranking.version", "ts": 1, "version": "v"}])
    for who, status in (("read", 403), ("maya", 403), (None, 401)):
        with site.client(who) as client:
            reply = client.post("/v1/events", content=payload)
        assert reply.status_code == status, who
    with site.client(None) as client:
        reply = client.post("/v1/events", content=payload, headers={"Authorization": "Bearer nope"})
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_outcomes_are_server_mode_only(site: Site) -> None:
    """SQLite has no inbox: a POST already answered each event's final result."""
    with site.client("ingest") as client:
        reply = client.get("/v1/events/outcomes", params={"from": 1, "to": 5})
        backwards = client.get("/v1/events/outcomes", params={"from": 5, "to": 1})
    assert reply.status_code == 501, reply.text
    assert reply.json()["error"] == "not_supported"
    assert "POST /v1/events answers each event's final result" in reply.json()["detail"]
    assert backwards.status_code == 422  # the range is checked first, on every backend
    with site.client("read") as client:
        assert client.get("/v1/events/outcomes", params={"from": 1, "to": 5}).status_code == 403
