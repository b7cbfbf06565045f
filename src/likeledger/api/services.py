"""What one running app holds: the read model, the event sink, tokens, limiter and metrics.

The backend is chosen once, from the URL: a SQLite file (synchronous ingest) or
``postgresql://`` (server mode: appends now, ``likeledger project --follow`` workers apply).

Thread rules (connections are not shared across threads at once):
- ``model`` (and its reading ``Ledger``) and ``tokens`` are used only on the event loop
  thread (async routes);
- ``sink`` is used only inside ``write_lock``, on a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError
from ..ledger import Ledger
from ..store import sqlite_path
from .auth import RateLimiter, TokenStore, create_token, new_token
from .ingest import EventSink, SQLiteSink
from .metrics import Metrics
from .readmodel import ReadModel
from .readmodel_sqlite import SQLiteReadModel, connect
from .settings import Settings

__all__ = ["Services", "check_url", "connect", "database_path", "issue_token"]


def database_path(url: str) -> str:
    """The SQLite file behind ``url`` (several connections share it, so not ``:memory:``).

    Raises:
        ConfigError: the URL is not a SQLite file path.
    """
    path = sqlite_path(url)
    if path is None or path == ":memory:":
        raise ConfigError(f"the HTTP server needs a SQLite database file, not {url!r}")
    return path


def check_url(url: str) -> str | None:
    """The SQLite path of ``url``, or None for a ``postgresql://`` URL (server mode).

    Raises:
        ConfigError: neither a SQLite file nor a PostgreSQL URL.
    """
    if url.split("://", 1)[0] in ("postgresql", "postgres"):
        return None
    return database_path(url)


def issue_token(url: str, scopes: Iterable[str], label: str | None = None) -> str:
    """Create a token in the ledger at ``url`` (creating the ledger if new); shown once."""
    path = check_url(url)
    if path is not None:
        Ledger.open(path).close()  # create and migrate the ledger if it is new
        conn = connect(path)
        try:
            return create_token(conn, scopes, label)
        finally:
            conn.close()
    from .readmodel_postgres import add_token

    token, digest, checked = new_token(scopes)
    add_token(url, digest, checked, label, int(time.time() * 1000))
    return token


def _backend(url: str) -> tuple[ReadModel, EventSink]:
    path = check_url(url)
    if path is not None:
        sink = SQLiteSink(path)  # creates the ledger and the token table first
        return SQLiteReadModel(path), sink
    from .ingest_postgres import PostgresSink
    from .readmodel_postgres import PostgresReadModel

    model = PostgresReadModel(url)  # creates the ledger and the token table first
    return model, PostgresSink(url)


@dataclass(slots=True)
class Services:
    url: str
    settings: Settings
    model: ReadModel
    sink: EventSink
    write_lock: asyncio.Lock
    tokens: TokenStore
    limiter: RateLimiter
    metrics: Metrics
    failed: bool = False  # a storage error: reconnect the model before the next request
    sink_failed: bool = False  # ... and the sink before the next write

    @classmethod
    def open(cls, url: str, settings: Settings) -> Services:
        """Open everything for ``url`` (creating the ledger and the token table if needed)."""
        model, sink = _backend(url)
        return cls(
            url=url,
            settings=settings,
            model=model,
            sink=sink,
            write_lock=asyncio.Lock(),
            tokens=TokenStore(model.token_scopes),
            limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
            metrics=Metrics(model.lag),
        )

    @property
    def reader(self) -> Ledger:
        """The reading ledger: count, explain, visible."""
        return self.model.ledger

    def revive(self) -> None:
        """Reopen connections a database restart broke (a no-op on SQLite); after a
        storage error all of them, since a dropped connection may not know it yet."""
        force, self.failed = self.failed, False
        self.sink_failed = self.sink_failed or force
        try:
            self.model.revive(force=force)
        except BaseException:
            self.failed = True
            raise

    def close(self) -> None:
        self.model.close()
        self.sink.close()
