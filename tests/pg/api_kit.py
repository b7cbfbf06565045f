"""Real processes for the server-mode API tests: ``likeledger serve`` and
``likeledger project --follow`` on a PostgreSQL URL, and events with ids for retries."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx

from api.live import wait_until

LIKELEDGER = [sys.executable, "-m", "likeledger"]
Worker = subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker(url: str, *args: str) -> Worker:
    """A ``likeledger project --follow`` worker process on ``url``."""
    return subprocess.Popen(
        [*LIKELEDGER, "--db", url, "project", "--follow", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stopped(proc: subprocess.Popen[bytes], timeout: float = 30) -> tuple[int, bytes, bytes]:
    """SIGTERM ``proc`` and wait: (exit status, stdout, stderr)."""
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


class ServeProcess:
    """``likeledger --db URL serve`` in its own process on a free loopback port."""

    def __init__(self, url: str, port: int | None = None, **env: str) -> None:
        self.url = url
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LIKELEDGER_RATE_LIMIT": "0", **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServeProcess:
        self.proc = subprocess.Popen(
            [*LIKELEDGER, "--db", self.url, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._up, timeout=30, every=0.05)
        return self

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the server exited with {self.proc.returncode}")
        try:
            return httpx.get(self.base + "/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no answer to requests in flight."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def keyed_events(seed: int, n: int, *, videos: int = 20, users: int = 300) -> list[dict[str, Any]]:
    """Publishes, then likes and unlikes, every event with its own id. None is ever refused,
    so a resent event is always a duplicate (a refused one records no id: resent, it would
    be decided afresh)."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = [
        {"type": "video.published", "ts": i, "video": f"v{i}", "creator": f"c{i % 4}"}
        for i in range(videos)
    ]
    for ts in range(1_000, 1_000 + n - videos):
        kind = rng.choice(["like", "like", "like", "unlike"])
        user, video = f"u{rng.randrange(users)}", f"v{rng.randrange(videos)}"
        out.append({"type": kind, "ts": ts, "user": user, "video": video})
    return [{**event, "id": f"e{seed}-{n}"} for n, event in enumerate(out)]


def wait_projected(client: httpx.Client, position: int, timeout: float = 90) -> dict[str, Any]:
    """Poll ``GET /v1/status`` until reads reflect ``position``; the last status."""
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(client.get("/v1/status").json())
        return int(seen["as_of"]) >= position

    wait_until(reached, timeout=timeout, every=0.05)
    return seen


def get_ok(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    reply = client.get(path, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds
