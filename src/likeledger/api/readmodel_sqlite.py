"""The read model on SQLite: plain SQL on its own ``query_only`` connection.

Writes are synchronous on SQLite, so an answer's ``as_of`` is the ledger head and nothing
is ever pending. Never writes; use it from one thread (the server's event loop).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import orjson

from ..ledger import Ledger
from ..store.workingset import HOUR_MS
from .errors import NotSupported
from .readmodel import VIDEO, Account, Lag, Owner, ReadModel, VideoRow

if TYPE_CHECKING:
    from ..inbox_outcomes import Outcomes


def connect(path: str) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` (shared by threads one at a time)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


class SQLiteReadModel(ReadModel):
    """Queries on one read-only connection, plus the reading ``Ledger``."""

    def __init__(self, path: str) -> None:
        self.conn = connect(path)
        self.conn.execute("PRAGMA query_only = ON")
        self._ledger = Ledger.open(path)
        self._versions: list[tuple[int, str]] = []
        self._versions_seq = 0

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def head(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM ledger").fetchone()[0])

    def lag(self) -> Lag:
        head = self.head()
        return Lag(as_of=head, written=head, ledger_head=head)

    def outcomes(self, first: int, last: int) -> Outcomes:
        """No inbox on SQLite: ``POST /v1/events`` already answered each event's outcome."""
        raise NotSupported(
            f"no inbox positions {first}..{last} on SQLite: event outcomes exist in server mode "
            "(PostgreSQL) only; here POST /v1/events answers each event's final result "
            "(accepted, stale, duplicate or refused) itself"
        )

    def revive(self, *, force: bool = False) -> None:
        """A SQLite file needs no reconnecting."""

    def owner(self, video: str) -> Owner | None:
        row = self.conn.execute(
            "SELECT v.id, u.name, v.deleted FROM videos v JOIN users u ON u.id = v.creator "
            "WHERE v.name = ?",
            (video,),
        ).fetchone()
        return None if row is None else Owner(row[0], row[1], bool(row[2]))

    def account(self, name: str) -> Account | None:
        row = self.conn.execute(
            "SELECT id, status, total FROM users WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else Account(row[0], row[1], row[2])

    def videos_of(self, creator_id: int) -> list[VideoRow]:
        rows = self.conn.execute(
            "SELECT name, likes, deleted, visibility, moderation FROM videos WHERE creator = ? "
            "ORDER BY likes DESC, name",
            (creator_id,),
        )
        return [VideoRow(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def top_creators(self, limit: int) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT u.name, u.total FROM users u WHERE u.status != 'deleted' "
            "AND EXISTS (SELECT 1 FROM videos v WHERE v.creator = u.id) "
            "ORDER BY u.total DESC, u.name LIMIT ?",
            (limit,),
        )
        return [(name, total) for name, total in rows]

    def blocks(self, blocker: str, blocked: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM blocks b JOIN users x ON x.id = b.blocker JOIN users y "
            "ON y.id = b.blocked WHERE x.name = ? AND y.name = ?",
            (blocker, blocked),
        ).fetchone()
        return row is not None

    def token_scopes(self, digest: str) -> str | None:
        row = self.conn.execute(
            "SELECT scopes FROM api_tokens WHERE hash = ?", (digest,)
        ).fetchone()
        return None if row is None else str(row[0])

    def hourly(self, kind: int, subject: int) -> list[tuple[int, int, int]]:
        # Subjects with many entries have hourly roll-ups (complete once present); the long
        # tail is summed from the raw journal, which is small for them.
        rows = self.conn.execute(
            "SELECT hour, cause, delta FROM journal_hourly WHERE kind = ? AND subject = ? "
            "ORDER BY hour",
            (kind, subject),
        ).fetchall()
        if rows:
            return rows
        return self.conn.execute(
            "SELECT ts / ?, cause, sum(delta) FROM journal WHERE kind = ? AND subject = ? "
            "GROUP BY 1, 2 ORDER BY 1",
            (HOUR_MS, kind, subject),
        ).fetchall()

    def hourly_impressions(self, kind: int, subject: int) -> list[tuple[int, int]]:
        if kind == VIDEO:
            sql = "SELECT hour, sum(count) FROM impressions WHERE video = ? GROUP BY hour"
        else:
            sql = (
                "SELECT i.hour, sum(i.count) FROM videos v JOIN impressions i ON i.video = v.id "
                "WHERE v.creator = ? GROUP BY i.hour"
            )
        return self.conn.execute(sql, (subject,)).fetchall()

    def versions(self) -> list[tuple[int, str]]:
        """Read incrementally: only ledger rows after the last call's head are scanned."""
        head = self.head()
        if head > self._versions_seq:
            rows = self.conn.execute(
                "SELECT ts, payload FROM ledger WHERE seq > ? AND seq <= ? "
                "AND type = 'ranking.version'",
                (self._versions_seq, head),
            ).fetchall()
            self._versions.extend((ts, orjson.loads(payload)["version"]) for ts, payload in rows)
            self._versions.sort()
            self._versions_seq = head
        return self._versions

    def close(self) -> None:
        self._ledger.close()
        self.conn.close()
