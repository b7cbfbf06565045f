"""Read-outs of a ledger on either backend, by external names, for comparing the two."""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg

from ledger_kit import journal as sqlite_journal
from ledger_kit import stored_counts as sqlite_counts
from likeledger.errors import QueryError
from likeledger.ledger import Ledger
from likeledger.rules import CAUSES
from likeledger.store.postgres import PostgresStore
from likeledger.times import parse_ts

Entry = tuple[str, str, int, int, int, str]  # (kind, subject, ts, seq, delta, cause)
_T = parse_ts
# Open, empty and half-open windows, and ones that cut the examples' days mid-hour.
WINDOWS = [
    (None, None),
    (None, 1),
    (_T("2026-11-01T10:03:00Z"), None),
    (None, _T("2026-11-03T00:00:00Z")),
    (_T("2026-11-01T09:30:00Z"), _T("2026-11-05T12:15:00Z")),
    (_T("2026-11-04T00:00:00Z"), _T("2026-11-04T00:00:00Z")),
]


def is_pg(ledger: Ledger) -> bool:
    return isinstance(ledger.store, PostgresStore)


def _pg(ledger: Ledger, sql: str) -> list[tuple[Any, ...]]:
    assert isinstance(ledger.store, PostgresStore)
    return ledger.store.conn.execute(sql).fetchall()


def journal(ledger: Ledger) -> list[Entry]:
    """Every journal entry, sorted, on either backend."""
    if not is_pg(ledger):
        return sorted(sqlite_journal(ledger))
    rows = _pg(
        ledger,
        "SELECT 'video', v.name, j.ts, j.seq, j.delta, j.cause FROM video_journal j "
        "JOIN videos v ON v.video_id = j.video_id UNION ALL "
        "SELECT 'creator', u.name, j.ts, j.seq, j.delta, j.cause FROM creator_journal j "
        "JOIN users u ON u.user_id = j.creator_id",
    )
    return sorted((k, s, ts, seq, d, CAUSES[c]) for k, s, ts, seq, d, c in rows)


def journal_multiset(ledger: Ledger) -> Counter[tuple[str, str, int, int, str]]:
    """(kind, subject, ts, delta, cause) with multiplicity: the contract's comparison."""
    return Counter((k, s, ts, d, c) for k, s, ts, _seq, d, c in journal(ledger))


def counts(ledger: Ledger) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(likes of live videos, frozen likes of deleted videos, totals of every account)."""
    if not is_pg(ledger):
        return sqlite_counts(ledger)
    live = dict(_pg(ledger, "SELECT name, likes FROM videos WHERE NOT deleted"))
    dead = dict(_pg(ledger, "SELECT name, likes FROM videos WHERE deleted"))
    return live, dead, dict(_pg(ledger, "SELECT name, total FROM users"))


def snapshot(ledger: Ledger) -> dict[str, Any]:
    """Everything observable, by external names: ledger rows, journal, counts, state."""
    if is_pg(ledger):
        state = {
            "users": _pg(ledger, "SELECT name, status, flagged FROM users"),
            "videos": _pg(ledger, "SELECT name, visibility, moderation, deleted FROM videos"),
        }
    else:
        conn = ledger.store.conn  # type: ignore[attr-defined]
        state = {
            "users": conn.execute("SELECT name, status, flagged FROM users").fetchall(),
            "videos": conn.execute(
                "SELECT name, visibility, moderation, deleted FROM videos"
            ).fetchall(),
        }
    return {
        "ledger": [
            (s, t, ts, bytes(p), bool(st)) for s, t, ts, p, st in ledger.store.ledger_rows()
        ],
        "journal": journal(ledger),
        "counts": counts(ledger),
        "users": sorted((n, s, bool(f)) for n, s, f in state["users"]),
        "videos": sorted((n, v, m, bool(d)) for n, v, m, d in state["videos"]),
    }


def answers(ledger: Ledger, windows: list[tuple[int | None, int | None]]) -> list[Any]:
    """Every query answer: count and explain of each live video, explain of each creator."""
    out: list[Any] = []
    live, _dead, totals = counts(ledger)
    for video in sorted(live):
        out.append(ledger.count(video).likes)
        out += [ledger.explain(video, a, b).to_json() for a, b in windows]
    for creator in sorted(totals):
        for a, b in windows:
            try:
                out.append(ledger.explain_creator(creator, a, b).to_json())
            except QueryError as exc:  # an account_deleted answer must match too
                out.append(exc.code)
    return out


def emptied(url: str) -> str:
    """Empty every ledger table behind ``url`` (cheaper than a new schema per example)."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "AND table_name NOT IN ('schema_version', 'ledger_meta')"
            )
        ]
        with conn.transaction():
            for table in tables:
                conn.execute(f"DELETE FROM {table}")
            if tables:  # else: not migrated yet, nothing to empty
                conn.execute("UPDATE ledger_meta SET head = 0, generation = generation + 1")
    return url
