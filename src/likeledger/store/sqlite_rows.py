"""SQLite rows: the working set's loaders and writers, and read-side journal queries.

Loads go through ``conn`` (the reader); writes through ``writer``. They are the same
connection in synchronous mode and different ones when ingest is pipelined.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from ..engine import AccountFlip
from ..events import Event
from ..model import Edge, LikeRef, User, Video
from .sqlite_write import write_rows
from .workingset import CAUSE_CODES, HOUR_MS, Content, PendingRows, RowCache, WorkingSet

_CHUNK = 500  # parameters per IN (...) lookup


class SQLiteWorkingSet(WorkingSet):
    """Loaders and writers of the working set, in SQLite's dialect."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        cache: RowCache,
        *,
        writer: sqlite3.Connection | None = None,
        previous: WorkingSet | None = None,
    ) -> None:
        super().__init__(cache, previous)
        self.conn = conn
        self.writer = writer or conn

    def load_user(self, name: str | None, uid: int | None) -> User | None:
        where, arg = ("name", name) if name is not None else ("id", uid)
        row = self.conn.execute(
            "SELECT id, name, status, flagged, total, blocks, entries "
            f"FROM users WHERE {where} = ?",
            (arg,),
        ).fetchone()
        return (
            None
            if row is None
            else User(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6])
        )

    def load_video(self, name: str | None, vid: int | None) -> Video | None:
        where, arg = ("name", name) if name is not None else ("id", vid)
        row = self.conn.execute(
            "SELECT id, name, creator, visibility, moderation, deleted, likes, entries "
            f"FROM videos WHERE {where} = ?",
            (arg,),
        ).fetchone()
        return (
            None
            if row is None
            else Video(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])
        )

    def load_edge(self, user: int, creator: int, video: int) -> Edge | None:
        row = self.conn.execute(
            "SELECT liked, ts, flagged FROM likes WHERE user = ? AND creator = ? AND video = ?",
            (user, creator, video),
        ).fetchone()
        return (
            None if row is None else Edge(user, video, creator, bool(row[0]), row[1], bool(row[2]))
        )

    def load_pair(self, table: str, first: int, second: int) -> bool:
        columns = {"blocks": ("blocker", "blocked"), "follows": ("follower", "followee")}[table]
        sql = f"SELECT 1 FROM {table} WHERE {columns[0]} = ? AND {columns[1]} = ?"
        return self.conn.execute(sql, (first, second)).fetchone() is not None

    def query_liked_edges(self, user: int, creator: int | None) -> list[LikeRef]:
        sql = "SELECT video, creator, flagged FROM likes WHERE user = ? AND liked = 1"
        args: tuple[int, ...] = (user,)
        if creator is not None:
            sql, args = sql + " AND creator = ?", (user, creator)
        return [LikeRef(v, c, bool(f)) for v, c, f in self.conn.execute(sql, args)]

    def query_video_ids_of(self, creator: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM videos WHERE creator = ? AND deleted = 0", (creator,)
        )
        return [row[0] for row in rows]

    def load_users(self, names: list[str]) -> list[User]:
        sql = (
            "SELECT id, name, status, flagged, total, blocks, entries FROM users WHERE name IN ({})"
        )
        return [User(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in self._in(sql, names)]

    def load_videos(self, names: list[str]) -> list[Video]:
        sql = (
            "SELECT id, name, creator, visibility, moderation, deleted, likes, entries "
            "FROM videos WHERE name IN ({})"
        )
        return [
            Video(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7])
            for r in self._in(sql, names)
        ]

    def load_videos_by_id(self, ids: list[int]) -> list[Video]:
        sql = (
            "SELECT id, name, creator, visibility, moderation, deleted, likes, entries "
            "FROM videos WHERE id IN ({})"
        )
        return [
            Video(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in self._in(sql, ids)
        ]

    def load_edges(self, triples: list[tuple[int, int, int]]) -> list[Edge]:
        edges = []
        for start in range(0, len(triples), _CHUNK):
            chunk = triples[start : start + _CHUNK]
            values = ",".join("(?, ?, ?)" for _ in chunk)
            sql = (
                f"WITH k(u, c, v) AS (VALUES {values}) SELECT l.user, l.video, l.creator, l.liked, "
                "l.ts, l.flagged FROM k JOIN likes l "
                "ON l.user = k.u AND l.creator = k.c AND l.video = k.v"
            )
            params = [x for triple in chunk for x in triple]
            for u, v, c, liked, ts, flagged in self.conn.execute(sql, params):
                edges.append(Edge(u, v, c, bool(liked), ts, bool(flagged)))
        return edges

    def _in(self, sql: str, args: list[Any]) -> Iterator[Any]:
        for start in range(0, len(args), _CHUNK):
            chunk = args[start : start + _CHUNK]
            yield from self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk)

    def load_keys(self, keys: list[str]) -> dict[str, Content]:
        found: dict[str, Content] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, type, ts, payload FROM ledger WHERE key IN ({marks})"
            for key, etype, ts, payload in self.conn.execute(sql, chunk):
                found[key] = (etype, ts, bytes(payload))
        return found

    def write(self, rows: PendingRows) -> None:
        write_rows(self.writer, rows)


class SQLiteQueries:
    """Read-side queries that are plain SQL (journal windows, full scans for reconcile)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def select_in(self, sql: str, args: list[Any]) -> list[Any]:
        """Run ``sql`` (with one ``IN ({})``) over ``args`` in chunks."""
        out: list[Any] = []
        for start in range(0, len(args), _CHUNK):
            chunk = args[start : start + _CHUNK]
            out += self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return out

    def journal_window(
        self, kind: int, subject: int, since: int, until: int, *, rolled: bool
    ) -> dict[int, list[int]]:
        """Per cause: [sum of deltas, number of entries] of entries with since <= ts < until.

        ``rolled``: the subject has hourly roll-ups, so whole hours are read from them.
        """
        first_hour, last_hour = -(-since // HOUR_MS), until // HOUR_MS
        sums: dict[int, list[int]] = {}
        if not rolled or first_hour >= last_hour:
            self._raw(sums, kind, subject, since, until)
            return sums
        self._raw(sums, kind, subject, since, first_hour * HOUR_MS)
        rows = self.conn.execute(
            "SELECT cause, sum(delta), sum(entries) FROM journal_hourly "
            "WHERE kind = ? AND subject = ? AND hour >= ? AND hour < ? GROUP BY cause",
            (kind, subject, first_hour, last_hour),
        )
        _merge(sums, rows)
        self._raw(sums, kind, subject, last_hour * HOUR_MS, until)
        return sums

    def _raw(
        self, sums: dict[int, list[int]], kind: int, subject: int, since: int, until: int
    ) -> None:
        if since < until:
            rows = self.conn.execute(
                "SELECT cause, sum(delta), count(*) FROM journal WHERE kind = ? AND subject = ? "
                "AND ts >= ? AND ts < ? GROUP BY cause",
                (kind, subject, since, until),
            )
            _merge(sums, rows)


def _merge(sums: dict[int, list[int]], rows: Iterator[tuple[int, int, int]]) -> None:
    for cause, delta, entries in rows:
        slot = sums.setdefault(cause, [0, 0])
        slot[0] += delta
        slot[1] += entries


def run_account_flip(
    conn: sqlite3.Connection, event: Event, flip: AccountFlip, seq: int, rollup_from: int
) -> None:
    """The set-based form of an account-wide cascade (see SQLiteStore.apply_account_flip)."""
    uid, delta, ts = flip.user.id, flip.delta, event.ts
    hour, cause = ts // HOUR_MS, CAUSE_CODES[flip.cause]
    conn.execute(
        "INSERT INTO ledger (seq, key, type, ts, payload, stale) VALUES (?, ?, ?, ?, ?, 0)",
        (seq, event.key, event.type, ts, event.content[2]),
    )
    conn.execute(f"UPDATE users SET {flip.column} = ? WHERE id = ?", (flip.value, uid))
    # entries: the subject's journal entry count once this event's entry is written.
    # In video order, the updates and journal inserts below walk their B-trees in order
    # (measured: about 10 ms less for 100k likes).
    conn.execute(
        "CREATE TEMP TABLE flip_videos AS SELECT l.video AS subject, v.creator AS creator, "
        "(v.moderation IS NOT 'removed') AS in_total, v.entries + 1 AS entries "
        "FROM likes l JOIN videos v ON v.id = l.video "
        "WHERE l.user = ? AND l.liked = 1 AND l.flagged = 0 AND v.deleted = 0 "
        "ORDER BY l.video",
        (uid,),
    )
    # Grouped before the join: one users lookup per creator, not per video (about 6 ms less).
    conn.execute(
        "CREATE TEMP TABLE flip_creators AS SELECT f.subject, f.likes * ? AS delta, "
        "u.entries + 1 AS entries FROM (SELECT creator AS subject, count(*) AS likes "
        "FROM flip_videos WHERE in_total GROUP BY creator) f JOIN users u ON u.id = f.subject",
        (delta,),
    )
    conn.execute(
        "UPDATE videos SET likes = likes + ?, entries = entries + 1 "
        "WHERE id IN (SELECT subject FROM flip_videos)",
        (delta,),
    )
    conn.execute(
        "UPDATE users SET total = users.total + f.delta, entries = users.entries + 1 "
        "FROM flip_creators f WHERE users.id = f.subject"
    )
    # Journal rows and hourly roll-ups: one per video (delta each), one per creator (summed).
    conn.execute(
        "INSERT INTO journal (kind, subject, ts, seq, delta, cause) "
        "SELECT 0, subject, ?, ?, ?, ? FROM flip_videos",
        (ts, seq, delta, cause),
    )
    conn.execute(
        "INSERT INTO journal (kind, subject, ts, seq, delta, cause) "
        "SELECT 1, subject, ?, ?, delta, ? FROM flip_creators",
        (ts, seq, cause),
    )
    for kind, table, amount in ((0, "flip_videos", "?"), (1, "flip_creators", "delta")):
        args: tuple[int, ...] = (hour, cause, delta) if amount == "?" else (hour, cause)
        # Subjects already rolled up get this hour's sum; subjects crossing now are backfilled.
        conn.execute(
            "INSERT INTO journal_hourly (kind, subject, hour, cause, delta, entries) "
            f"SELECT {kind}, subject, ?, ?, {amount}, 1 FROM {table} WHERE entries > ? "
            "ON CONFLICT DO UPDATE SET delta = delta + excluded.delta, entries = entries + 1",
            (*args, rollup_from + 1),
        )
        conn.execute(
            "INSERT INTO journal_hourly (kind, subject, hour, cause, delta, entries) "
            "SELECT kind, subject, ts / 3600000, cause, sum(delta), count(*) FROM journal "
            f"WHERE kind = {kind} AND subject IN (SELECT subject FROM {table} WHERE entries = ?) "
            "GROUP BY 2, 3, 4 "
            "ON CONFLICT DO UPDATE SET delta = excluded.delta, entries = excluded.entries",
            (rollup_from + 1,),
        )
    conn.execute("DROP TABLE flip_videos")
    conn.execute("DROP TABLE flip_creators")
