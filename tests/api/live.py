"""A real uvicorn server on a loopback port, in a thread of the test process, plus tokens.

``LiveServer`` binds 127.0.0.1:0 first (so the port is known and free), serves the app from
``create_app`` on a thread and waits for ``/v1/health`` by polling, never by sleeping blindly.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from likeledger.api.app import create_app
from likeledger.api.services import issue_token
from likeledger.api.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def wait_until(check: Callable[[], bool], *, timeout: float = 10.0, every: float = 0.01) -> None:
    """Poll ``check`` until it returns True; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(every)


class LiveServer:
    """``with LiveServer(db, settings) as server:`` serves ``create_app(db, settings)``;
    ``db`` is a SQLite file or a ``postgresql://`` URL (server mode)."""

    def __init__(self, db: Path | str, settings: Settings | None = None) -> None:
        self.db = db
        self.app = create_app(str(db), settings or Settings(rate_limit=0))
        # proto IPPROTO_TCP (not 0): asyncio sets TCP_NODELAY only on sockets that say TCP,
        # and without it every keep-alive response waits ~40 ms for a delayed ACK.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", ws="none", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        wait_until(self._healthy, timeout=20)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()
        assert not self.thread.is_alive(), "the server did not stop"

    def _healthy(self) -> bool:
        if not self.thread.is_alive():
            raise AssertionError("the server thread died while starting")
        try:
            return httpx.get(self.url + "/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def token(self, *scopes: str) -> str:
        return issue_token(str(self.db), scopes, "test")

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def ndjson(events: Iterable[dict[str, Any]]) -> bytes:
    import orjson

    return b"".join(orjson.dumps(event) + b"\n" for event in events)


def post_examples(client: httpx.Client) -> dict[str, Any]:
    """Ingest every example story as NDJSON, file by file; the responses by file name."""
    replies = {}
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        reply = client.post(
            "/v1/events",
            content=path.read_bytes(),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert reply.status_code in (200, 422), reply.text
        replies[path.name] = reply
    return replies


TOKEN_SCOPES = {
    "admin": ("admin",),
    "read": ("read",),
    "ingest": ("ingest",),
    "maya": ("creator:maya",),
    "leo": ("creator:leo",),
    "omar": ("creator:omar",),
}


@dataclass
class Site:
    """A running server with the examples ingested, and a token per kind of caller."""

    server: LiveServer
    tokens: dict[str, str]
    ingested: dict[str, Any]

    def client(self, who: str | None) -> httpx.Client:
        return self.server.client(None if who is None else self.tokens[who])


def open_site(folder: Path, settings: Settings | None = None) -> Iterator[Site]:
    """Serve a fresh database in ``folder``, ingest the examples over HTTP, yield the site."""
    with LiveServer(folder / "site.db", settings) as server:
        tokens = {who: server.token(*scopes) for who, scopes in TOKEN_SCOPES.items()}
        with server.client(tokens["ingest"]) as client:
            ingested = post_examples(client)
        yield Site(server, tokens, ingested)
