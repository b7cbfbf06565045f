"""SQLite read queries: the Store port's plain-SQL reads, as a mixin of SQLiteStore.

They run on the store's writer connection, so inside ``write()`` they see that batch's
writes; the one read asked while a pipelined batch commits (``liked_count``) goes through
the reader instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import orjson

from .sqlite_rows import SQLiteQueries
from .workingset import HOUR_MS, RowCache


class SQLiteReads:
    """Read-side queries over ``self.conn``; ``self._reader`` is the pipeline's reader."""

    conn: sqlite3.Connection
    _reader: sqlite3.Connection | None
    cache: RowCache

    def head(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM ledger").fetchone()[0])

    def count_row(self, video: str) -> tuple[int, bool, str, int] | None:
        row = self.conn.execute(
            "SELECT v.likes, v.deleted, u.name, (SELECT coalesce(max(seq), 0) FROM ledger) "
            "FROM videos v JOIN users u ON u.id = v.creator WHERE v.name = ?",
            (video,),
        ).fetchone()
        return None if row is None else (row[0], bool(row[1]), row[2], row[3])

    @property
    def rollup_from(self) -> int:
        return self.cache.rollup_from

    def journal_window(
        self, kind: int, subject: int, since: int, until: int, *, rolled: bool
    ) -> dict[int, list[int]]:
        return SQLiteQueries(self.conn).journal_window(kind, subject, since, until, rolled=rolled)

    def ledger_rows(self) -> Iterator[tuple[int, str, int, bytes, bool]]:
        rows = self.conn.execute("SELECT seq, type, ts, payload, stale FROM ledger ORDER BY seq")
        for seq, etype, ts, payload, stale in rows:
            yield seq, etype, ts, payload, bool(stale)

    def ledger_rows_at(self, seqs: list[int]) -> list[tuple[int, str, int, bytes]]:
        marks = ", ".join("?" * len(seqs))
        sql = f"SELECT seq, type, ts, payload FROM ledger WHERE seq IN ({marks}) ORDER BY seq"
        return [(s, t, ts, bytes(p)) for s, t, ts, p in self.conn.execute(sql, seqs)]

    def journal_sums(self) -> dict[tuple[int, int], int]:
        rows = self.conn.execute("SELECT kind, subject, sum(delta) FROM journal GROUP BY 1, 2")
        return {(kind, subject): total for kind, subject, total in rows}

    def live_videos(self) -> list[tuple[int, str, int]]:
        return list(self.conn.execute("SELECT id, name, likes FROM videos WHERE deleted = 0"))

    def user_totals(self) -> list[tuple[int, str, int]]:
        return list(self.conn.execute("SELECT id, name, total FROM users"))

    def impressions(self, kind: int, subject: int, since: int, until: int) -> int:
        """Impressions of a video (kind 0) or of a creator's videos (kind 1) in the hour
        buckets whose start lies in [since, until)."""
        first, last = -(-since // HOUR_MS), -(-until // HOUR_MS)
        if kind == 0:
            sql = "SELECT sum(count) FROM impressions WHERE video = ? AND hour >= ? AND hour < ?"
        else:
            sql = (
                "SELECT sum(i.count) FROM videos v JOIN impressions i ON i.video = v.id "
                "WHERE v.creator = ? AND i.hour >= ? AND i.hour < ?"
            )
        return int(self.conn.execute(sql, (subject, first, last)).fetchone()[0] or 0)

    def ranking_versions(self, until: int) -> list[tuple[int, str]]:
        """(ts, version) of every ranking.version event before ``until``, oldest first."""
        rows = self.conn.execute(
            "SELECT ts, payload FROM ledger WHERE type = 'ranking.version' AND ts < ? "
            "ORDER BY ts, seq",
            (until,),
        )
        return [(ts, orjson.loads(payload)["version"]) for ts, payload in rows]

    def last_ts(self) -> int:
        """The time of the latest accepted event (0 when empty): "now" for open windows."""
        row = self.conn.execute("SELECT ts FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
        return 0 if row is None else int(row[0])

    def daily(self, kind: int, subject: int) -> tuple[list[tuple[int, int, int]], dict[int, int]]:
        """Per UTC day: (day, cause code, delta) journal sums, and impressions by day."""
        journal = self.conn.execute(
            "SELECT ts / 86400000, cause, sum(delta) FROM journal WHERE kind = ? AND subject = ? "
            "GROUP BY 1, 2 ORDER BY 1",
            (kind, subject),
        ).fetchall()
        if kind == 0:
            sql = "SELECT hour / 24, sum(count) FROM impressions WHERE video = ? GROUP BY 1"
        else:
            sql = (
                "SELECT i.hour / 24, sum(i.count) FROM videos v JOIN impressions i "
                "ON i.video = v.id WHERE v.creator = ? GROUP BY 1"
            )
        return journal, dict(self.conn.execute(sql, (subject,)).fetchall())

    def creator_causes(self) -> list[tuple[str, int, int]]:
        """(creator name, cause code, summed delta) over the whole journal of totals."""
        return self.conn.execute(
            "SELECT u.name, j.cause, sum(j.delta) FROM journal j JOIN users u ON u.id = j.subject "
            "WHERE j.kind = 1 GROUP BY j.subject, j.cause"
        ).fetchall()

    def countable_likes(self) -> list[tuple[int, int, int, int]]:
        """(user id, video id, creator id, ts) of every like that counts right now
        (blocks aside): what the fake-like detector scans."""
        return self.conn.execute(
            "SELECT l.user, l.video, l.creator, l.ts FROM likes l "
            "JOIN users u ON u.id = l.user JOIN videos v ON v.id = l.video "
            "WHERE l.liked = 1 AND l.flagged = 0 AND v.deleted = 0 AND u.flagged = 0 "
            "AND u.status = 'active' AND l.ts IS NOT NULL"
        ).fetchall()

    def names(self, table: str, ids: list[int]) -> dict[int, str]:
        """Wire names of users or videos by internal id."""
        sql = f"SELECT id, name FROM {'users' if table == 'users' else 'videos'} WHERE id IN ({{}})"
        return dict(SQLiteQueries(self.conn).select_in(sql, ids))

    def keyed_events(self, prefix: str) -> list[tuple[int, str, bytes]]:
        """(seq, key, payload) of events whose idempotency key starts with ``prefix``."""
        return self.conn.execute(
            "SELECT seq, key, payload FROM ledger WHERE key >= ? AND key < ? ORDER BY seq",
            (prefix, prefix + "\U0010ffff"),
        ).fetchall()

    def liked_count(self, uid: int, at_most: int | None = None) -> int:
        """Stored liked edges of one account, up to ``at_most`` (decides when a set-based
        cascade pays; a 100k-like account need not be counted to the end).

        Asked while a batch may be committing on the writer connection: read through the
        reader, or this would wait for that commit.
        """
        conn = self._reader or self.conn
        sql = "SELECT count(*) FROM (SELECT 1 FROM likes WHERE user = ? AND liked = 1 LIMIT ?)"
        return int(conn.execute(sql, (uid, -1 if at_most is None else at_most)).fetchone()[0])
