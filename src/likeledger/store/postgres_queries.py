"""PostgreSQL read queries: the Store port's plain-SQL reads, as a mixin of PostgresStore.

They run on the store's main connection, so inside ``read()`` or ``write()`` they share that
transaction's snapshot. Journal windows read whole hours from the hourly roll-ups when the
subject has them and raw entries for the partial hours at either end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from .postgres_sql import JOURNALS, translate_errors
from .workingset import HOUR_MS

if TYPE_CHECKING:
    from psycopg import Connection

    from .postgres_rows import PostgresWorkingSet

    Conn = Connection[tuple[Any, ...]]


class PostgresQueries:
    """Read-side queries over ``self.conn``; ``self._reader`` is the pipeline's reader."""

    conn: Conn
    _reader: Conn | None
    deciding: PostgresWorkingSet | None  # the batch being decided by the pipeline, if any

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        with translate_errors("reading"):
            row = self.conn.execute(sql, args).fetchone()
        assert row is not None, sql  # aggregates always return one row
        return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with translate_errors("reading"):
            return self.conn.execute(sql, args).fetchall()

    def head(self) -> int:
        return int(self._one("SELECT coalesce(max(seq), 0) FROM ledger")[0])

    def last_ts(self) -> int:
        """The time of the latest accepted event (0 when empty): "now" for open windows."""
        rows = self._all("SELECT ts FROM ledger ORDER BY seq DESC LIMIT 1")
        return int(rows[0][0]) if rows else 0

    def count_row(self, video: str) -> tuple[int, bool, str, int] | None:
        rows = self._all(
            "SELECT v.likes, v.deleted, u.name, (SELECT coalesce(max(seq), 0) FROM ledger) "
            "FROM video_names n JOIN videos v ON v.video_id = n.video_id "
            "JOIN users u ON u.user_id = v.creator_id WHERE n.name = %s",
            (video,),
        )
        return (int(rows[0][0]), rows[0][1], rows[0][2], int(rows[0][3])) if rows else None

    def journal_window(
        self, kind: int, subject: int, since: int, until: int, *, rolled: bool
    ) -> dict[int, list[int]]:
        """Per cause: [sum of deltas, number of entries] of entries with since <= ts < until.

        ``rolled``: the subject has hourly roll-ups, so whole hours are read from them.
        """
        table, column = JOURNALS[kind]
        first, last = -(-since // HOUR_MS), until // HOUR_MS
        raw = (
            f"SELECT cause, sum(delta), count(*) FROM {table} WHERE {column} = %s "
            "AND ts >= %s AND ts < %s GROUP BY cause"
        )
        spans = [(raw, (subject, since, until))]
        if rolled and first < last:
            hours = (
                f"SELECT cause, sum(delta), sum(entries) FROM {table}_hourly "
                f"WHERE {column} = %s AND hour >= %s AND hour < %s GROUP BY cause"
            )
            spans = [
                (raw, (subject, since, first * HOUR_MS)),
                (hours, (subject, first, last)),
                (raw, (subject, last * HOUR_MS, until)),
            ]
        sums: dict[int, list[int]] = {}
        for sql, args in spans:
            for cause, delta, entries in self._all(sql, args):
                slot = sums.setdefault(cause, [0, 0])
                slot[0] += int(delta)
                slot[1] += int(entries)
        return sums

    def impressions(self, kind: int, subject: int, since: int, until: int) -> int:
        """Impressions of a video (kind 0) or of a creator's videos (kind 1) in the hour
        buckets whose start lies in [since, until)."""
        first, last = -(-since // HOUR_MS), -(-until // HOUR_MS)
        if kind == 0:
            sql = (
                "SELECT sum(count) FROM impressions "
                "WHERE video_id = %s AND hour >= %s AND hour < %s"
            )
        else:
            sql = (
                "SELECT sum(i.count) FROM videos v JOIN impressions i ON i.video_id = v.video_id "
                "WHERE v.creator_id = %s AND i.hour >= %s AND i.hour < %s"
            )
        return int(self._one(sql, (subject, first, last))[0] or 0)

    def ranking_versions(self, until: int) -> list[tuple[int, str]]:
        """(ts, version) of every ranking.version event before ``until``, oldest first."""
        rows = self._all(
            "SELECT ts, payload FROM ledger WHERE type = 'ranking.version' AND ts < %s "
            "ORDER BY ts, seq",
            (until,),
        )
        return [(ts, orjson.loads(payload)["version"]) for ts, payload in rows]

    def ledger_rows(self) -> Iterator[tuple[int, str, int, bytes, bool]]:
        """Every accepted event in ledger order, streamed in chunks (not loaded whole)."""
        with translate_errors("reading the ledger"):
            cur = self.conn.cursor()
            sql = "SELECT seq, type, ts, payload, stale FROM ledger ORDER BY seq"
            for seq, etype, ts, payload, stale in cur.stream(sql, size=5_000):
                yield seq, etype, ts, bytes(payload), stale

    def ledger_rows_at(self, seqs: list[int]) -> list[tuple[int, str, int, bytes]]:
        sql = "SELECT seq, type, ts, payload FROM ledger WHERE seq = ANY(%s) ORDER BY seq"
        return [(s, t, ts, bytes(p)) for s, t, ts, p in self._all(sql, (seqs,))]

    def journal_sums(self) -> dict[tuple[int, int], int]:
        sums: dict[tuple[int, int], int] = {}
        for kind, (table, column) in enumerate(JOURNALS):
            for subject, total in self._all(f"SELECT {column}, sum(delta) FROM {table} GROUP BY 1"):
                sums[(kind, subject)] = int(total)
        return sums

    def live_videos(self) -> list[tuple[int, str, int]]:
        return self._all("SELECT video_id, name, likes FROM videos WHERE NOT deleted")

    def user_totals(self) -> list[tuple[int, str, int]]:
        return self._all("SELECT user_id, name, total FROM users")

    def liked_count(self, uid: int, at_most: int | None = None) -> int:
        """Stored liked edges of one account (decides when a set-based cascade pays).

        Answered from the deciding batch's prefetch when it has the account (it prefetches
        every account an account-wide event names), else asked on the reader when ingest is
        pipelined (the writer connection may be mid-batch).
        """
        ws = self.deciding
        if ws is not None and uid in ws.stored_likes:
            return len(ws.stored_likes[uid])
        conn = self._reader or self.conn
        with translate_errors("reading"):
            row = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM likes WHERE user_id = %s AND liked "
                "LIMIT %s) AS capped",
                (uid, at_most),
            ).fetchone()
        return int(row[0]) if row else 0
