"""Health, metrics, the OpenAPI document, and the click commands (serve, token create)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from likeledger.api.commands import token

from .live import LiveServer, Site, wait_until


def _sample(text: str, name: str, *, default: float | None = None, **labels: str) -> float:
    """The value of one Prometheus sample (labels in any order); ``default`` if absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    if default is not None:
        return default
    raise AssertionError(f"no sample {name}{labels}")


def test_health(site: Site) -> None:
    with site.client(None) as client:
        body = client.get("/v1/health").json()
    assert body["status"] == "ok"
    assert body["projection_lag"] == 0
    assert body["as_of"] >= 71


def test_metrics_count_events_refusals_and_latency(site: Site) -> None:
    with site.client(None) as client:
        before = client.get("/metrics").text
    events = [
        {"type": "like", "ts": 1, "user": "m-u", "video": "no-such-video"},
        {"type": "ranking.version", "ts": 1, "version": "m-1"},
    ]
    with site.client("ingest") as client:
        client.post("/v1/events", json=events)
    with site.client("read") as client:
        client.get("/v1/videos/maya-dance/count")
    with site.client(None) as client:
        reply = client.get("/metrics")
    after = reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    refused = ("likeledger_events_refused_total", {"code": "unknown_video"})
    accepted = ("likeledger_events_ingested_total", {"status": "accepted"})
    was = _sample(before, refused[0], default=0, **refused[1])
    assert _sample(after, refused[0], **refused[1]) == was + 1
    was = _sample(before, accepted[0], default=0, **accepted[1])
    assert _sample(after, accepted[0], **accepted[1]) == was + 1
    assert _sample(after, "likeledger_projection_lag_events") == 0
    route = {"method": "GET", "route": "/v1/videos/{video}/count", "status": "200"}
    assert _sample(after, "likeledger_http_request_duration_seconds_count", **route) >= 1
    assert "maya-dance" not in after  # labels are route templates, never subjects


def test_openapi_documents_every_route(site: Site) -> None:
    with site.client(None) as client:
        schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/events",
        "/v1/events/outcomes",
        "/v1/videos/{video}/count",
        "/v1/videos/{video}/explain",
        "/v1/videos/{video}/visible",
        "/v1/videos/{video}/timeline",
        "/v1/creators/{creator}/explain",
        "/v1/health",
        "/metrics",
    } <= paths
    body = schema["paths"]["/v1/events"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-ndjson"}
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_token_create_prints_a_working_token_once(site: Site) -> None:
    runner = CliRunner()
    made = runner.invoke(
        token,
        ["create", "--scope", "creator:maya", "--label", "cli"],
        obj={"db": str(site.server.db)},
    )
    assert made.exit_code == 0, made.output
    (secret,) = made.output.split()
    assert secret.startswith("llk_")
    with site.server.client(secret) as client:
        assert client.get("/v1/me").json()["creators"] == ["maya"]
    bad = runner.invoke(token, ["create", "--scope", "root"], obj={"db": str(site.server.db)})
    assert bad.exit_code == 1
    assert "unknown scope 'root'" in bad.output


def test_serve_runs_uvicorn_on_the_given_port(tmp_path: Path) -> None:
    probe = LiveServer(tmp_path / "probe.db")  # only to borrow a free loopback port
    port = probe.port
    probe.sock.close()
    code = (
        "import sys; from likeledger.api.commands import serve; "
        "serve.main(args=['--port', sys.argv[2]], obj={'db': sys.argv[1]}, prog_name='serve')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "served.db"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _up(f"http://127.0.0.1:{port}/v1/health"), timeout=30, every=0.05)
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200
        assert "likeledger" in page.text
    finally:
        proc.terminate()
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
    assert (tmp_path / "served.db").exists()


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
