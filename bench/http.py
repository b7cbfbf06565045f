"""HTTP benchmark (issue 5): a real ``likeledger serve`` process on a loopback port.

(1) events/s through ``POST /v1/events`` (NDJSON batches of 1,000, one keep-alive client);
(2) ``GET /v1/videos/{id}/count`` with 1, 4 and 16 keep-alive clients: p50/p99 latency and
    requests/s. The load generator (asyncio, raw HTTP/1.1 on keep-alive sockets) runs on the
    same 2-core machine as the server, so the figures include its cost;
(3) the dashboard of the top creator: page, assets and data, first load and warm.

Usage: .venv/bin/python bench/http.py [--events 200000] [--seconds 5] [--clients 1,4,16]
Every loop is bounded in count and time and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py: keep its folder off sys.path, or it shadows the stdlib package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from likeledger.api.auth import create_token  # noqa: E402
from likeledger.api.services import connect  # noqa: E402
from likeledger.ledger import Ledger  # noqa: E402


def _workload() -> Callable[[int], list[bytes]]:
    """bench/ingest.py's realistic event mix (loaded by path: bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", HERE / "ingest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generate: Callable[[int], list[bytes]] = module.workload
    return generate


LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
SERVER = (
    "import sys; from likeledger.api.commands import serve; "
    "serve.main(args=['--host', '127.0.0.1', '--port', sys.argv[2]], obj={'db': sys.argv[1]}, "
    "prog_name='likeledger serve')"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, LIKELEDGER_RATE_LIMIT="1000000", LIKELEDGER_RATE_BURST="1000000")
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not come up within 30 s")


def ingest(base: str, token: str, lines: list[bytes], batch: int) -> tuple[float, dict[str, int]]:
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        began = time.perf_counter()
        for first in range(0, len(lines), batch):
            body = b"\n".join(lines[first : first + batch])
            reply = client.post("/v1/events", content=body)
            assert reply.status_code in (200, 422), reply.text[:300]
            data = reply.json()
            for key in totals:
                totals[key] += data[key]
        elapsed = time.perf_counter() - began
    return len(lines) / elapsed, totals


async def reader(
    port: int, token: str, paths: list[str], until: float, warm: float, samples: list[float]
) -> None:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Bearer {token}\r\n".encode()
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: bench\r\n".encode() + auth + b"\r\n" for path in paths
    ]
    i = random.randrange(len(requests))
    try:
        while (now := time.perf_counter()) < until:
            w.write(requests[i % len(requests)])
            i += 1
            head = await r.readuntil(b"\r\n\r\n")
            match = LENGTH.search(head)
            assert match is not None, head[:200]
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
            await r.readexactly(int(match.group(1)))
            if now >= warm:
                samples.append(time.perf_counter() - now)
    finally:
        w.close()


async def read_level(
    port: int, token: str, paths: list[str], clients: int, seconds: float
) -> tuple[float, float, float]:
    samples: list[float] = []
    start = time.perf_counter()
    warm, until = start + 1.0, start + 1.0 + seconds
    await asyncio.gather(
        *(reader(port, token, paths, until, warm, samples) for _ in range(clients))
    )
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), len(samples) / seconds


def dashboard(base: str, token: str) -> None:
    """Time what a browser fetches to show the top creator and its top video."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        top = client.get("/dashboard/api/creators", params={"limit": 1}).json()["creators"][0]
        creator = top["creator"]
        for attempt in ("first", "warm"):
            began = time.perf_counter()
            for path in ("/", "/static/dashboard.js", "/static/dashboard.css", "/v1/me"):
                assert client.get(path).status_code == 200
            view = client.get(f"/dashboard/api/creators/{creator}")
            assert view.status_code == 200, view.text[:200]
            page = time.perf_counter() - began
            video = view.json()["videos"][0]["video"]
            began = time.perf_counter()
            one = client.get(f"/dashboard/api/creators/{creator}/videos/{video}")
            assert one.status_code == 200
            picked = time.perf_counter() - began
            print(
                f"dashboard ({attempt}) of {creator} (total {top['total']:,}): page + data "
                f"{page * 1000:.0f} ms; video {video} view {picked * 1000:.0f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per level")
    parser.add_argument("--clients", default="1,4,16")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="likeledger-http-bench-"))
    db = folder / "bench.db"
    Ledger.open(str(db)).close()
    conn = connect(str(db))
    admin = create_token(conn, ["admin"], "bench")
    conn.close()
    port = free_port()
    server = start_server(db, port)
    try:
        lines = _workload()(args.events)
        rate, totals = ingest(f"http://127.0.0.1:{port}", admin, lines, args.batch)
        print(f"POST /v1/events, batches of {args.batch}: {rate:,.0f} events/s  {totals}")
        rng = random.Random(11)
        paths = [f"/v1/videos/v{rng.randrange(20_000)}/count" for _ in range(5_000)]
        for clients in (int(c) for c in args.clients.split(",")):
            p50, p99, rps = asyncio.run(read_level(port, admin, paths, clients, args.seconds))
            print(
                f"GET count, {clients:>2} keep-alive clients: p50 {p50:.2f} ms, "
                f"p99 {p99:.2f} ms, {rps:,.0f} req/s"
            )
        dashboard(f"http://127.0.0.1:{port}", admin)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"database: {db}")


if __name__ == "__main__":
    main()
