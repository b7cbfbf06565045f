"""The read model on PostgreSQL (server mode): reads follow the projection.

Writes append to the inbox (``api/ingest_postgres.py``) and ``likeledger project --follow``
workers apply them, so an answer reflects the inbox positions the projection has applied:
``head()`` is the ``counts`` checkpoint, and a ``POST /v1/events`` receipt (its positions)
is what ``min_seq`` waits for. ``snapshot()`` is one repeatable-read transaction, in which
the checkpoint and the projected rows are exactly consistent (they commit together).

Every query runs on this module's own connection, with driver errors raised as
``StorageError`` (503). After a database restart the broken connections are reopened by
``revive()``, which the app calls before each request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import orjson
import psycopg

from ..inbox_outcomes import Outcomes, outcomes
from ..ledger import Ledger
from ..projector import COUNTS, postgres
from ..store.postgres import PostgresStore
from ..store.postgres_sql import JOURNALS, translate_errors
from ..store.workingset import HOUR_MS
from .readmodel import VIDEO, Account, Lag, Owner, ReadModel, VideoRow

Conn = psycopg.Connection[tuple[Any, ...]]
_TOKENS_LOCK = 0x11D0  # advisory lock serializing the api_tokens DDL of starting servers
TOKENS = """
CREATE TABLE IF NOT EXISTS api_tokens (
    hash       text COLLATE "C" PRIMARY KEY,  -- sha256 hex of the token, never the token
    scopes     text NOT NULL,                 -- space-separated scopes
    label      text,
    created_at bigint NOT NULL                -- ms since the epoch
)
"""
LAG = (
    "SELECT c.position, m.head, (SELECT head FROM ledger_meta), "
    "(SELECT extract(epoch FROM clock_timestamp() - i.received_at)::float8 "
    " FROM inbox i WHERE i.pos = c.position + 1) "
    "FROM inbox_meta m, checkpoints c WHERE c.name = %s"
)


def open_ledger(url: str) -> tuple[Ledger, PostgresStore]:
    """A Ledger on ``url`` (created and migrated if new) and its store, typed."""
    ledger = Ledger.open(url)
    try:
        return ledger, postgres(ledger.store)
    except BaseException:
        ledger.close()
        raise


def connect(url: str) -> Conn:
    """An autocommit connection with the ``api_tokens`` table in place."""
    with translate_errors("connecting"):
        conn = psycopg.connect(url, autocommit=True, application_name="likeledger-api")
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s::int8)", (_TOKENS_LOCK,))
            conn.execute(TOKENS)
    return conn


def add_token(url: str, digest: str, scopes: str, label: str | None, created: int) -> None:
    """Store a token's hash and scopes (``likeledger token create`` on PostgreSQL)."""
    ledger, _store = open_ledger(url)  # create and migrate the ledger if it is new
    ledger.close()
    with connect(url) as conn, translate_errors("storing the token"):
        conn.execute(
            "INSERT INTO api_tokens (hash, scopes, label, created_at) VALUES (%s, %s, %s, %s)",
            (digest, scopes, label, created),
        )


class PostgresReadModel(ReadModel):
    """Queries on one connection, plus the reading ``Ledger`` (its own connection)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ledger, self.store = open_ledger(url)
        self.conn = connect(url)
        self._versions: list[tuple[int, str]] = []
        self._versions_seq = 0

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    def revive(self, *, force: bool = False) -> None:
        """Reopen whichever connection a restart or a network failure broke."""
        if force or self.conn.broken or self.conn.closed:
            with suppress(psycopg.Error):
                self.conn.close()
            self.conn = connect(self.url)
        if force or self.store.conn.broken or self.store.conn.closed:
            with suppress(psycopg.Error):
                self._ledger.close()
            self._ledger, self.store = open_ledger(self.url)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with translate_errors("reading"):
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            if not self.conn.broken:
                with translate_errors("reading"):
                    self.conn.execute("ROLLBACK")

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with translate_errors("reading"):
            return self.conn.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with translate_errors("reading"):
            return self.conn.execute(sql, args).fetchall()

    def head(self) -> int:
        row = self._one("SELECT position FROM checkpoints WHERE name = %s", (COUNTS,))
        return 0 if row is None else int(row[0])

    def lag(self) -> Lag:
        row = self._one(LAG, (COUNTS,))
        assert row is not None  # both tables hold their row from the migration on
        return Lag(
            as_of=int(row[0]), written=int(row[1]), ledger_head=int(row[2]), oldest_pending_s=row[3]
        )

    def outcomes(self, first: int, last: int) -> Outcomes:
        """Read through the reading ledger's store, in one statement (one snapshot)."""
        return outcomes(self.store, first, last)

    def owner(self, video: str) -> Owner | None:
        row = self._one(
            "SELECT v.video_id, u.name, v.deleted FROM video_names n "
            "JOIN videos v ON v.video_id = n.video_id JOIN users u ON u.user_id = v.creator_id "
            "WHERE n.name = %s",
            (video,),
        )
        return None if row is None else Owner(int(row[0]), row[1], bool(row[2]))

    def account(self, name: str) -> Account | None:
        row = self._one(
            "SELECT u.user_id, u.status, u.total FROM user_names n "
            "JOIN users u ON u.user_id = n.user_id WHERE n.name = %s",
            (name,),
        )
        return None if row is None else Account(int(row[0]), row[1], int(row[2]))

    def videos_of(self, creator_id: int) -> list[VideoRow]:
        rows = self._all(
            "SELECT name, likes, deleted, visibility, moderation FROM videos "
            "WHERE creator_id = %s ORDER BY likes DESC, name",
            (creator_id,),
        )
        return [VideoRow(r[0], int(r[1]), bool(r[2]), r[3], r[4]) for r in rows]

    def top_creators(self, limit: int) -> list[tuple[str, int]]:
        rows = self._all(
            "SELECT u.name, u.total FROM users u WHERE u.status != 'deleted' "
            "AND EXISTS (SELECT 1 FROM videos v WHERE v.creator_id = u.user_id) "
            "ORDER BY u.total DESC, u.name LIMIT %s",
            (limit,),
        )
        return [(name, int(total)) for name, total in rows]

    def blocks(self, blocker: str, blocked: str) -> bool:
        row = self._one(
            "SELECT 1 FROM blocks b JOIN user_names x ON x.user_id = b.blocker_id "
            "JOIN user_names y ON y.user_id = b.blocked_id WHERE x.name = %s AND y.name = %s",
            (blocker, blocked),
        )
        return row is not None

    def token_scopes(self, digest: str) -> str | None:
        row = self._one("SELECT scopes FROM api_tokens WHERE hash = %s", (digest,))
        return None if row is None else str(row[0])

    def hourly(self, kind: int, subject: int) -> list[tuple[int, int, int]]:
        # As on SQLite: roll-ups when the subject has them (complete once present), else
        # the raw journal summed by hour (small for such subjects).
        table, column = JOURNALS[kind]
        rows = self._all(
            f"SELECT hour, cause, delta FROM {table}_hourly WHERE {column} = %s ORDER BY hour",
            (subject,),
        )
        if not rows:
            rows = self._all(
                f"SELECT ts / %s, cause, sum(delta) FROM {table} WHERE {column} = %s "
                "GROUP BY 1, 2 ORDER BY 1",
                (HOUR_MS, subject),
            )
        return [(int(hour), int(cause), int(delta)) for hour, cause, delta in rows]

    def hourly_impressions(self, kind: int, subject: int) -> list[tuple[int, int]]:
        if kind == VIDEO:
            sql = "SELECT hour, sum(count) FROM impressions WHERE video_id = %s GROUP BY hour"
        else:
            sql = (
                "SELECT i.hour, sum(i.count) FROM videos v "
                "JOIN impressions i ON i.video_id = v.video_id "
                "WHERE v.creator_id = %s GROUP BY i.hour"
            )
        return [(int(hour), int(count)) for hour, count in self._all(sql, (subject,))]

    def versions(self) -> list[tuple[int, str]]:
        """Read incrementally by ledger seq: only rows after the last call's are scanned."""
        row = self._one("SELECT head FROM ledger_meta")
        head = 0 if row is None else int(row[0])
        if head > self._versions_seq:
            rows = self._all(
                "SELECT ts, payload FROM ledger WHERE seq > %s AND seq <= %s "
                "AND type = 'ranking.version'",
                (self._versions_seq, head),
            )
            found = [(int(ts), orjson.loads(payload)["version"]) for ts, payload in rows]
            self._versions = sorted(self._versions + found)
            self._versions_seq = head
        return self._versions

    def close(self) -> None:
        self._ledger.close()
        self.conn.close()
