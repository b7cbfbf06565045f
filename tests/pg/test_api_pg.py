"""The HTTP API on a PostgreSQL ledger (server mode), against a real uvicorn server, the
throwaway cluster and real ``likeledger project --follow`` worker processes.

The example stories are posted over HTTP to a SQLite server and to a PostgreSQL one; after
projection every read (counts, explanations, visibility, creator views, timelines, the
dashboard's data) must answer the same, except ``as_of``, which on PostgreSQL is the
inbox position the projection has applied (what a POST's ``last_seq`` names).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.live import TOKEN_SCOPES, LiveServer, Site, ndjson, open_site, post_examples
from likeledger.api.settings import Settings
from pgcluster import PgCluster

from .api_kit import LIKELEDGER, get_ok, keyed_events, stopped, wait_projected, worker

pytestmark = pytest.mark.postgres
SETTINGS = Settings(rate_limit=0, min_seq_wait=0.3)


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from open_site(tmp_path_factory.mktemp("lite"), SETTINGS)


@pytest.fixture(scope="module")
def pg_module_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh database for this module's shared site (dropped afterwards)."""
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)


@pytest.fixture(scope="module")
def pg_site(pg_module_url: str) -> Iterator[Site]:
    """The examples posted to a server on PostgreSQL and projected by a real worker."""
    with LiveServer(pg_module_url, SETTINGS) as server:
        tokens = {who: server.token(*scopes) for who, scopes in TOKEN_SCOPES.items()}
        follower = worker(pg_module_url, "--batch", "7")
        try:
            with server.client(tokens["ingest"]) as client:
                ingested = post_examples(client)
                last = max(r.json()["last_seq"] or 0 for r in ingested.values())
                wait_projected(client, last)
            yield Site(server, tokens, ingested)
        finally:
            code, _out, err = stopped(follower)
            assert code == 0, err.decode()


def _video_names(site: Site) -> list[str]:
    with site.client("admin") as client:
        creators = get_ok(client, "/dashboard/api/creators", limit=500)["creators"]
        names = [c["creator"] for c in creators]
        return sorted(
            row["video"]
            for name in names
            for row in get_ok(client, f"/v1/creators/{name}/videos")["videos"]
        )


def _reads(site: Site) -> list[Any]:
    """Every read answer over the examples, without ``as_of``."""
    out: list[Any] = []
    videos = _video_names(site)
    with site.client("admin") as client:
        creators = get_ok(client, "/dashboard/api/creators", limit=500)["creators"]
        paths = [
            f"/v1/creators/{c['creator']}/{leaf}"
            for c in creators
            for leaf in ("explain", "videos", "timeline")
        ]
        paths += [f"/dashboard/api/creators/{c['creator']}" for c in creators]
        for video in videos:
            paths += [f"/v1/videos/{video}/{leaf}" for leaf in ("count", "explain", "timeline")]
        for path in paths:
            reply = client.get(path, params={"since": "2026-11-02T00:00:00Z"})
            out.append((path, reply.status_code, _without_as_of(reply.json())))
        for video in videos:
            for viewer in ("troll", "ana", "leo", "nobody"):
                reply = client.get(f"/v1/videos/{video}/visible", params={"viewer": viewer})
                out.append((video, viewer, reply.status_code, _without_as_of(reply.json())))
    return out


def _malformed(site: Site) -> list[tuple[str, int, str]]:
    """(file, line, code) of every event refused at once as malformed."""
    return [
        (name, r["line"], r["code"])
        for name, reply in site.ingested.items()
        for r in reply.json()["results"]
        if r["status"] == "refused" and r["code"] == "invalid_event"
    ]


def _without_as_of(body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "as_of"} if isinstance(body, dict) else body


def test_every_read_equals_sqlite_after_projection(lite: Site, pg_site: Site) -> None:
    ours, theirs = _reads(pg_site), _reads(lite)
    assert len(ours) > 100
    assert ours == theirs
    counts = [
        item[2]["likes"]
        for item in ours
        if len(item) == 3 and item[1] == 200 and item[0].endswith("/count")
    ]
    assert len(counts) > 10
    assert sum(counts) > 0


def test_posts_are_appended_with_positions_and_pending_is_reported(
    lite: Site, pg_site: Site
) -> None:
    reply = pg_site.ingested["01-bot-purge.jsonl"].json()
    statuses = {r["status"] for r in reply["results"]}
    assert statuses <= {"appended", "refused"}
    seqs = [r["seq"] for r in reply["results"] if r["status"] == "appended"]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert reply["appended"] == len(seqs)
    assert reply["last_seq"] == seqs[-1]
    malformed = _malformed(pg_site)  # refused at once, not appended, as on SQLite
    assert len(malformed) == 1
    assert malformed == _malformed(lite)
    with pg_site.client("read") as client:
        now = get_ok(client, "/v1/status")
        health = get_ok(client, "/v1/health")
    assert now["pending"] == 0
    assert now["as_of"] == now["written"] > 0
    assert now["ledger_head"] > 0
    assert now["oldest_pending_s"] is None
    assert (health["projection_lag"], health["as_of"]) == (0, now["as_of"])


def _counts(client: httpx.Client, **params: Any) -> dict[str, Any]:
    return {f"v{i}": get_ok(client, f"/v1/videos/v{i}/count", **params)["likes"] for i in range(20)}


def _pending(client: httpx.Client, events: list[dict[str, Any]]) -> int:
    """POST with no worker running: the events wait in the inbox, min_seq gives 503."""
    posted = client.post("/v1/events", json=events).json()
    last: int = posted["last_seq"]
    assert (posted["appended"], last) == (len(events), len(events))
    late = client.get("/v1/videos/v1/count", params={"min_seq": last})
    assert late.status_code == 503, late.text
    assert late.headers["Retry-After"] == "1"
    assert (late.json()["error"], late.json()["as_of"]) == ("not_ready", 0)
    now = get_ok(client, "/v1/status")
    assert (now["pending"], now["written"], now["ledger_head"]) == (last, last, 0)
    assert now["oldest_pending_s"] >= 0
    assert f"likeledger_projection_lag_events {last}.0" in client.get("/metrics").text
    return last


def _reference_counts(folder: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    with LiveServer(folder / "reference.db", SETTINGS) as reference:
        token = reference.token("admin")
        with reference.client(token) as client:
            assert client.post("/v1/events", json=events).json()["accepted"] == len(events)
            return _counts(client)


def test_min_seq_gives_503_then_waits_for_a_worker(pg_url: str, tmp_path: Path) -> None:
    events = keyed_events(1, 400)
    patient = Settings(rate_limit=0, min_seq_wait=60)
    with LiveServer(pg_url, SETTINGS) as quick, LiveServer(pg_url, patient) as slow:
        token = quick.token("admin")  # two API processes' worth of servers, one ledger
        with quick.client(token) as client, slow.client(token) as waiting:
            last = _pending(client, events)
            follower = worker(pg_url)
            try:  # this read waits for the worker process to start and project
                as_of = get_ok(waiting, "/v1/videos/v1/count", min_seq=last)["as_of"]
                counts = _counts(client, min_seq=last)
                again = client.post("/v1/events", json=events).json()  # a resend of all
                after = wait_projected(client, again["last_seq"])
            finally:
                code, _out, err = stopped(follower)
    assert code == 0, err.decode()
    assert as_of >= last
    assert (after["written"], after["ledger_head"]) == (800, 400)  # the copies: duplicates
    assert counts == _reference_counts(tmp_path, events)
    assert sum(counts.values()) > 0


def test_tokens_and_server_mode_limits(pg_url: str) -> None:
    made = subprocess.run(
        [*LIKELEDGER, "--db", pg_url, "token", "create", "--scope", "creator:c1"],
        capture_output=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr.decode()
    secret = made.stdout.decode().strip()
    with LiveServer(pg_url, SETTINGS) as server:
        with server.client(secret) as client:
            assert client.get("/v1/me").json()["creators"] == ["c1"]
            assert client.get("/v1/videos/v1/count").status_code == 404  # not its video
        with server.client(server.token("admin")) as client:
            bad = client.post(
                "/v1/events",
                content=b'{"type": "like"}\n' + ndjson(keyed_events(2, 25)),
                headers={"Content-Type": "application/x-ndjson"},
            )
            assert bad.status_code == 422
            assert (bad.json()["appended"], bad.json()["rejected"]) == (25, 1)
            assert bad.json()["error"]["line"] == 1
            apply = client.post("/v1/integrity/apply")
            assert apply.status_code == 501
            assert apply.json()["error"] == "not_supported"
        with httpx.Client(base_url=server.url) as anonymous:
            assert anonymous.get("/v1/status").status_code == 401
