"""Bearer tokens: creation, hashed storage (``api_tokens``), scopes and a per-token rate limit.

A token is shown once, at creation; only its SHA-256 is stored, in an ``api_tokens`` table
the API owns (created with ``CREATE TABLE IF NOT EXISTS`` on its own connection: the core
migrations stay untouched; on PostgreSQL by ``readmodel_postgres.py``). Scopes: ``ingest``,
``read``, ``admin`` (everything) and ``creator:<id>`` (that creator's own videos and total,
aggregates only).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..events import MAX_ID_LENGTH
from .errors import Forbidden, RateLimited

TOKEN_PREFIX = "llk_"
PLAIN_SCOPES = ("ingest", "read", "admin")
CREATOR_PREFIX = "creator:"

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    hash       TEXT PRIMARY KEY,      -- sha256 hex of the token; the token itself is never stored
    scopes     TEXT NOT NULL,         -- space-separated scopes
    label      TEXT,
    created_at INTEGER NOT NULL       -- ms since the epoch
) WITHOUT ROWID
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_scope(scope: str) -> str:
    """Return ``scope`` if valid, else raise ConfigError naming the accepted forms."""
    if scope in PLAIN_SCOPES:
        return scope
    if scope.startswith(CREATOR_PREFIX) and 1 <= len(scope[len(CREATOR_PREFIX) :]) <= MAX_ID_LENGTH:
        return scope
    raise ConfigError(f"unknown scope {scope!r}: use ingest, read, admin or creator:<id>")


def ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(SCHEMA)


def new_token(scopes: Iterable[str]) -> tuple[str, str, str]:
    """A new token, its hash and its checked scopes (space-separated), for any backend.

    Raises:
        ConfigError: a scope is malformed, or no scope was given.
    """
    checked = sorted({check_scope(scope) for scope in scopes})
    if not checked:
        raise ConfigError("a token needs at least one scope")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token), " ".join(checked)


def create_token(conn: sqlite3.Connection, scopes: Iterable[str], label: str | None = None) -> str:
    """Store a new token's hash with its scopes in SQLite and return the token (shown once).

    Raises:
        ConfigError: a scope is malformed, or no scope was given.
    """
    token, digest, checked = new_token(scopes)
    ensure_table(conn)
    with conn:
        conn.execute(
            "INSERT INTO api_tokens (hash, scopes, label, created_at) VALUES (?, ?, ?, ?)",
            (digest, checked, label, int(time.time() * 1000)),
        )
    return token


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's hash (the rate-limit key) and its scopes."""

    key: str
    scopes: frozenset[str]

    @property
    def admin(self) -> bool:
        return "admin" in self.scopes

    @property
    def reads_all(self) -> bool:
        """May read any video or creator (``read`` or ``admin``)."""
        return self.admin or "read" in self.scopes

    @property
    def creators(self) -> frozenset[str]:
        n = len(CREATOR_PREFIX)
        return frozenset(s[n:] for s in self.scopes if s.startswith(CREATOR_PREFIX))

    def require(self, scope: str) -> None:
        """Raise Forbidden unless the token has ``scope`` (``admin`` has every scope)."""
        if not (self.admin or scope in self.scopes):
            raise Forbidden(f"this token lacks the {scope!r} scope")

    def require_reader(self) -> None:
        """Raise Forbidden unless the token may read something (read, admin or a creator)."""
        if not (self.reads_all or self.creators):
            raise Forbidden("this token lacks the 'read' or a 'creator:<id>' scope")

    def require_creator(self, creator: str) -> None:
        """Raise Forbidden unless the token may read ``creator``'s total and videos."""
        self.require_reader()
        if not (self.reads_all or creator in self.creators):
            raise Forbidden(f"this token may not read creator {creator!r}")


class TokenStore:
    """Looks tokens up by hash through the backend's ``lookup`` (hash -> scopes or None).
    Use from one thread (the server's event loop)."""

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self.lookup = lookup

    def principal(self, token: str) -> Principal | None:
        digest = token_hash(token)
        scopes = self.lookup(digest)
        return None if scopes is None else Principal(digest, frozenset(scopes.split()))


@dataclass(slots=True)
class RateLimiter:
    """A token bucket per key: ``burst`` requests at once, refilled at ``rate`` per second.

    Not thread-safe: the server calls it from its event loop only. ``rate`` 0 disables it.
    """

    rate: float
    burst: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one request of ``key``'s bucket or raise RateLimited with the wait in seconds."""
        if self.rate <= 0:
            return
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            wait = max(1, int((1.0 - tokens) / self.rate + 0.999))
            raise RateLimited(
                f"rate limit of {self.rate:g} requests/s per token exceeded", retry_after=wait
            )
        self.buckets[key] = (tokens - 1.0, now)
