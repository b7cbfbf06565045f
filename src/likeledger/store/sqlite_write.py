"""SQLite batch writes: each table's rows go in as one JSON array and one statement.

Why not ``executemany``: it binds row by row under the GIL and releases it only around each
``sqlite3_step``, so a writer thread and the deciding thread hand the GIL back and forth per
row and barely overlap. One ``INSERT ... SELECT FROM json_each(?)`` per table keeps the
whole insert in C with the GIL released, so a pipelined batch really commits in parallel.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

from .rows import PendingRows


def write_rows(conn: sqlite3.Connection, rows: PendingRows) -> None:
    """Persist one batch's prepared rows; the caller holds the write transaction."""
    _bulk(conn, _UPSERT_USERS, rows.users)
    _bulk(conn, _UPSERT_VIDEOS, rows.videos)
    # Rows go in primary-key order (tuple order is key order for these two): a B-tree
    # filled in order touches each page once per batch instead of at random.
    _bulk(conn, _UPSERT_LIKES, sorted(rows.edges))
    _write_pairs(conn, "blocks", ("blocker", "blocked"), rows.blocks)
    _write_pairs(conn, "follows", ("follower", "followee"), rows.follows)
    # The payload is canonical JSON bytes; JSON carries it as text and SQL casts it back.
    ledger = [
        (seq, key, etype, ts, payload.decode(), stale)
        for seq, key, etype, ts, payload, stale in rows.ledger
    ]
    _bulk(conn, _INSERT_LEDGER, ledger)
    _bulk(conn, _INSERT_JOURNAL, sorted(rows.journal))
    _bulk(conn, _ADD_ROLLUP, rows.rollup)
    conn.executemany(BACKFILL, rows.backfill)
    _bulk(conn, _ADD_IMPRESSIONS, rows.impressions)


def _bulk(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        conn.execute(sql, (orjson.dumps(rows),))


def _columns(n: int) -> str:
    return ", ".join(f"value ->> {i}" for i in range(n))


# "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT (an upsert).
_UPSERT_USERS = (
    "INSERT INTO users (id, name, status, flagged, total, blocks, entries) "
    f"SELECT {_columns(7)} FROM json_each(?) WHERE true "
    "ON CONFLICT (id) DO UPDATE SET status = excluded.status, flagged = excluded.flagged, "
    "total = excluded.total, blocks = excluded.blocks, entries = excluded.entries"
)
_UPSERT_VIDEOS = (
    "INSERT INTO videos (id, name, creator, visibility, moderation, deleted, likes, entries) "
    f"SELECT {_columns(8)} FROM json_each(?) WHERE true "
    "ON CONFLICT (id) DO UPDATE SET visibility = excluded.visibility, "
    "moderation = excluded.moderation, deleted = excluded.deleted, likes = excluded.likes, "
    "entries = excluded.entries"
)
_UPSERT_LIKES = (
    "INSERT OR REPLACE INTO likes (user, creator, video, liked, ts, flagged) "
    f"SELECT {_columns(6)} FROM json_each(?)"
)
_INSERT_LEDGER = (
    "INSERT INTO ledger (seq, key, type, ts, payload, stale) "
    "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, CAST(value ->> 4 AS BLOB), "
    "value ->> 5 FROM json_each(?)"
)
_INSERT_JOURNAL = (
    f"INSERT INTO journal (kind, subject, ts, seq, delta, cause) SELECT {_columns(6)} "
    "FROM json_each(?)"
)
_ADD_ROLLUP = (
    "INSERT INTO journal_hourly (kind, subject, hour, cause, delta, entries) "
    f"SELECT {_columns(6)} FROM json_each(?) WHERE true ON CONFLICT DO UPDATE SET "
    "delta = delta + excluded.delta, entries = entries + excluded.entries"
)
_ADD_IMPRESSIONS = (
    "INSERT INTO impressions (video, hour, version, count) "
    f"SELECT {_columns(4)} FROM json_each(?) WHERE true "
    "ON CONFLICT DO UPDATE SET count = count + excluded.count"
)
BACKFILL = (
    "INSERT INTO journal_hourly (kind, subject, hour, cause, delta, entries) "
    "SELECT kind, subject, ts / 3600000, cause, sum(delta), count(*) FROM journal "
    "WHERE kind = ? AND subject = ? GROUP BY 3, 4 "
    "ON CONFLICT DO UPDATE SET delta = excluded.delta, entries = excluded.entries"
)


def _write_pairs(
    conn: sqlite3.Connection,
    table: str,
    columns: tuple[str, str],
    pending: list[tuple[tuple[int, int], bool]],
) -> None:
    a, b = columns
    on = [pair for pair, value in pending if value]
    off = [pair for pair, value in pending if not value]
    _bulk(
        conn, f"INSERT OR IGNORE INTO {table} ({a}, {b}) SELECT {_columns(2)} FROM json_each(?)", on
    )
    conn.executemany(f"DELETE FROM {table} WHERE {a} = ? AND {b} = ?", off)
