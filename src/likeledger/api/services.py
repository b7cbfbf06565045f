"""What one running app holds: the ledgers, connections, tokens, limiter and metrics.

Thread rules (SQLite connections are not shared across threads at once):
- ``reader``, ``model`` and ``tokens`` are used only on the event loop thread (async routes);
- ``writer`` and ``ingest_conn`` are used only inside ``write_lock``, on a worker thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass

from ..errors import ConfigError
from ..ledger import Ledger
from ..store import sqlite_path
from .auth import RateLimiter, TokenStore, ensure_table
from .metrics import Metrics
from .readmodel import ReadModel
from .settings import Settings


def database_path(url: str) -> str:
    """The SQLite file behind ``url``; the server needs a file (several connections share it).

    Raises:
        ConfigError: the URL is not a SQLite file path.
    """
    path = sqlite_path(url)
    if path is None or path == ":memory:":
        raise ConfigError(f"the HTTP server needs a SQLite database file, not {url!r}")
    return path


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


@dataclass(slots=True)
class Services:
    path: str
    settings: Settings
    writer: Ledger
    write_lock: asyncio.Lock
    ingest_conn: sqlite3.Connection
    reader: Ledger
    model: ReadModel
    tokens: TokenStore
    limiter: RateLimiter
    metrics: Metrics

    @classmethod
    def open(cls, url: str, settings: Settings) -> Services:
        """Open everything for ``url`` (creating the ledger and the token table if needed)."""
        path = database_path(url)
        writer = Ledger.open(path)  # creates and migrates the ledger first
        ingest_conn = connect(path)
        ensure_table(ingest_conn)
        model = ReadModel(connect(path))
        return cls(
            path=path,
            settings=settings,
            writer=writer,
            write_lock=asyncio.Lock(),
            ingest_conn=ingest_conn,
            reader=Ledger.open(path),
            model=model,
            tokens=TokenStore(model.conn),
            limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
            metrics=Metrics(model.head),
        )

    def close(self) -> None:
        self.reader.close()
        self.model.conn.close()
        self.ingest_conn.close()
        self.writer.close()
