"""Test helpers: event builders, where ledgers live (:class:`Backend`) and read-outs below
the Store port (:class:`Probe`), on SQLite and on PostgreSQL alike.

The contract tests check things no query of the port answers (the whole journal, raw state,
a counter corrupted on purpose); ``Probe`` does that in each backend's own SQL so that the
tests themselves stay backend-neutral.
"""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from likeledger.errors import QueryError
from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.rules import CAUSES
from likeledger.store.sqlite import SQLiteStore
from likeledger.times import parse_ts
from pgcluster import PgPool

HOUR = 3_600_000
KINDS = {0: "video", 1: "creator"}
Entry = tuple[str, str, int, int, int, str]  # (kind, subject, ts, seq, delta, cause)
Counts = tuple[dict[str, int], dict[str, int], dict[str, int]]
Window = tuple[int | None, int | None]
# Open, empty and half-open windows, and ones that cut the examples' days mid-hour.
WINDOWS: list[Window] = [
    (None, None),
    (None, 1),
    (parse_ts("2026-11-01T10:03:00Z"), None),
    (None, parse_ts("2026-11-03T00:00:00Z")),
    (parse_ts("2026-11-01T09:30:00Z"), parse_ts("2026-11-05T12:15:00Z")),
    (parse_ts("2026-11-04T00:00:00Z"), parse_ts("2026-11-04T00:00:00Z")),
    (0, 1_796_000_000_000),
    (1_795_000_000_000, None),
]


def count_flips(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the seq of every account-wide change the store applies set-based."""
    flips: list[int] = []
    apply = ledger.store.apply_account_flip

    def counted(*args: Any) -> int:
        flips.append(apply(*args))
        return flips[-1]

    monkeypatch.setattr(ledger.store, "apply_account_flip", counted)
    return flips


def ev(etype: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    """One event object; ``id_`` becomes the ``id`` field."""
    event: dict[str, Any] = {"type": etype, "ts": ts}
    if "id_" in fields:
        event["id"] = fields.pop("id_")
    event.update(fields)
    return event


def pub(video: str, creator: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("video.published", ts, video=video, creator=creator, **fields)


def like(user: str, video: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("like", ts, user=user, video=video, **fields)


def unlike(user: str, video: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("unlike", ts, user=user, video=video, **fields)


def status(user: str, new: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("account.status", ts, user=user, status=new, **fields)


def block(blocker: str, blocked: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("block", ts, blocker=blocker, blocked=blocked, **fields)


def unblock(blocker: str, blocked: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("unblock", ts, blocker=blocker, blocked=blocked, **fields)


def follow(follower: str, followee: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("follow", ts, follower=follower, followee=followee, **fields)


def moderate(video: str, action: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("moderation", ts, video=video, action=action, **fields)


def flag(user: str, video: str | None = None, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    if video is not None:
        fields["video"] = video
    return ev("integrity.flag", ts, user=user, **fields)


def clear(user: str, video: str | None = None, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    if video is not None:
        fields["video"] = video
    return ev("integrity.clear", ts, user=user, **fields)


def feed(ledger: Ledger, *events: dict[str, Any]) -> IngestReport:
    """Ingest events and insist none was refused (use ``ledger.ingest_objects`` to see refusals)."""
    report = ledger.ingest_objects(list(events))
    assert report.errors == [], report.errors
    return report


def refuse(ledger: Ledger, event: dict[str, Any]) -> tuple[str, str]:
    """Ingest one event that must be refused; return (code, message)."""
    head = ledger.head()
    report = ledger.ingest_objects([event])
    assert report.accepted == 0
    assert report.rejected == 1, report
    assert ledger.head() == head
    (error,) = report.errors
    assert error.line == 1
    return error.code, error.message


# -- read-outs and damage below the port -------------------------------------------------
_JOURNAL = {
    "sqlite": "SELECT j.kind, coalesce(v.name, u.name), j.ts, j.seq, j.delta, j.cause "
    "FROM journal j LEFT JOIN videos v ON j.kind = 0 AND v.id = j.subject "
    "LEFT JOIN users u ON j.kind = 1 AND u.id = j.subject",
    "postgres": "SELECT 0, v.name, j.ts, j.seq, j.delta, j.cause FROM video_journal j "
    "JOIN videos v ON v.video_id = j.video_id UNION ALL "
    "SELECT 1, u.name, j.ts, j.seq, j.delta, j.cause FROM creator_journal j "
    "JOIN users u ON u.user_id = j.creator_id",
}
# Per (backend, kind): journal table, roll-up table, the subject filter, the subject's id.
_PLACES = {
    ("sqlite", "video"): ("journal", "journal_hourly", "kind = 0 AND subject", "videos", "id"),
    ("sqlite", "creator"): ("journal", "journal_hourly", "kind = 1 AND subject", "users", "id"),
    ("postgres", "video"): (
        "video_journal",
        "video_journal_hourly",
        "video_id",
        "videos",
        "video_id",
    ),
    ("postgres", "creator"): (
        "creator_journal",
        "creator_journal_hourly",
        "creator_id",
        "users",
        "user_id",
    ),
}


class Probe:
    """Raw reads (and deliberate damage) of one ledger's tables in its backend's own SQL.

    Queries are written once with ``%s`` placeholders; SQLite gets them as ``?``.
    """

    def __init__(self, conn: Any, backend: str) -> None:
        self.conn = conn
        self.backend = backend

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (empty for an UPDATE or DELETE)."""
        if self.backend == "sqlite":
            sql = sql.replace("%s", "?")
        cursor = self.conn.execute(sql, args)
        return list(cursor.fetchall()) if cursor.description else []

    def journal(self) -> list[Entry]:
        """Every journal entry as (kind, subject name, ts, seq, delta, cause), in seq order."""
        rows = sorted(
            (seq, k, name, ts, d, c) for k, name, ts, seq, d, c in self.rows(_JOURNAL[self.backend])
        )
        return [(KINDS[k], name, ts, seq, d, CAUSES[c]) for seq, k, name, ts, d, c in rows]

    def counts(self) -> Counts:
        """(likes of live videos, frozen likes of deleted videos, totals of every account)."""
        videos = self.rows("SELECT name, likes, deleted FROM videos")
        live = {name: n for name, n, deleted in videos if not deleted}
        dead = {name: n for name, n, deleted in videos if deleted}
        return live, dead, dict(self.rows("SELECT name, total FROM users"))

    def users(self) -> list[tuple[str, str, bool]]:
        """(name, status, flagged) of every account, sorted."""
        return sorted(
            (n, s, bool(f)) for n, s, f in self.rows("SELECT name, status, flagged FROM users")
        )

    def videos(self) -> list[tuple[str, str, str | None, bool]]:
        """(name, visibility, moderation, deleted) of every video, sorted."""
        rows = self.rows("SELECT name, visibility, moderation, deleted FROM videos")
        return sorted((n, v, m, bool(d)) for n, v, m, d in rows)

    def ledger(self) -> list[tuple[int, str | None, str, int, bytes, bool]]:
        """(seq, key, type, ts, payload, stale) of every accepted event, in seq order."""
        rows = self.rows("SELECT seq, key, type, ts, payload, stale FROM ledger ORDER BY seq")
        return [(q, k, t, ts, bytes(p), bool(st)) for q, k, t, ts, p, st in rows]

    def impressions(self) -> int:
        """Every impression recorded, summed."""
        return int(self.rows("SELECT coalesce(sum(count), 0) FROM impressions")[0][0])

    def add_likes(self, video: str, delta: int) -> None:
        """Corrupt a video's stored count behind the ledger's back."""
        self.rows("UPDATE videos SET likes = likes + %s WHERE name = %s", delta, video)

    def add_total(self, creator: str, delta: int) -> None:
        """Corrupt an account's stored profile total behind the ledger's back."""
        self.rows("UPDATE users SET total = total + %s WHERE name = %s", delta, creator)

    def lose_entry(self, kind: str, name: str, seq: int) -> int:
        """Delete one journal entry and its share of the hourly roll-up; its delta."""
        table, hourly, subject, owner, key = _PLACES[(self.backend, kind)]
        ((sid,),) = self.rows(f"SELECT {key} FROM {owner} WHERE name = %s", name)
        where = f"{subject} = %s AND seq = %s"
        ((ts, delta, cause),) = self.rows(
            f"SELECT ts, delta, cause FROM {table} WHERE {where}", sid, seq
        )
        self.rows(f"DELETE FROM {table} WHERE {where}", sid, seq)
        self.rows(
            f"UPDATE {hourly} SET delta = delta - %s, entries = entries - 1 "
            f"WHERE {subject} = %s AND hour = %s AND cause = %s",
            delta,
            sid,
            ts // HOUR,
            cause,
        )
        self.rows(f"DELETE FROM {hourly} WHERE entries = 0")
        return int(delta)


def probe(ledger: Ledger) -> Probe:
    """A probe on the ledger's own connection: it sees (and damages) what the ledger sees."""
    backend = "sqlite" if isinstance(ledger.store, SQLiteStore) else "postgres"
    return Probe(ledger.store.conn, backend)  # type: ignore[attr-defined]


@contextmanager
def probe_at(db: str | Path) -> Iterator[Probe]:
    """A probe on its own connection to the ledger at ``db`` (a path or a URL); committed."""
    where = str(db)
    if where.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(where, autocommit=True) as conn:
            yield Probe(conn, "postgres")
        return
    conn = sqlite3.connect(where, timeout=30)
    try:
        with conn:
            yield Probe(conn, "sqlite")
    finally:
        conn.close()


def journal(ledger: Ledger) -> list[Entry]:
    """Every journal entry as (kind, subject name, ts, seq, delta, cause), in seq order."""
    return probe(ledger).journal()


def entries_of_last(ledger: Ledger) -> set[tuple[str, str, int, str]]:
    """The journal entries of the last accepted event: {(kind, subject, delta, cause)}."""
    head = ledger.head()
    return {(k, s, d, c) for k, s, _ts, seq, d, c in journal(ledger) if seq == head}


def journal_multiset(ledger: Ledger) -> Counter[tuple[str, str, int, int, str]]:
    """Journal entries without seq: (kind, subject, ts, delta, cause) with multiplicity."""
    return Counter((k, s, ts, d, c) for k, s, ts, _seq, d, c in journal(ledger))


def stored_counts(ledger: Ledger) -> Counts:
    """(likes of live videos, frozen likes of deleted videos, totals of every account)."""
    return probe(ledger).counts()


def journal_sums(ledger: Ledger) -> dict[tuple[str, str], int]:
    """Sum of journal deltas per (kind, subject name)."""
    sums: dict[tuple[str, str], int] = {}
    for kind, name, _ts, _seq, delta, _cause in journal(ledger):
        sums[(kind, name)] = sums.get((kind, name), 0) + delta
    return sums


def snapshot(ledger: Ledger) -> dict[str, Any]:
    """Everything observable, by external names: ledger rows, journal, counts, state."""
    seen = probe(ledger)
    return {
        "ledger": seen.ledger(),
        "journal": seen.journal(),
        "counts": seen.counts(),
        "users": seen.users(),
        "videos": seen.videos(),
    }


def answers(ledger: Ledger, windows: list[Window]) -> list[Any]:
    """Every query answer: count and explain of each live video, explain of each creator."""
    out: list[Any] = []
    live, _dead, totals = stored_counts(ledger)
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


def likes(ledger: Ledger, video: str) -> int:
    return ledger.count(video).likes


def total(ledger: Ledger, creator: str) -> int:
    return ledger.explain_creator(creator).end


# -- where the contract tests keep their ledgers ---------------------------------------
FAST = {"flip_threshold": 1, "rollup_from": 1}  # every shortcut on: set-based cascades, roll-ups
PG_SHARE = 4  # PostgreSQL runs 1/PG_SHARE of the hypothesis examples (tests/pg adds more)


class Backend:
    """Where a contract test keeps its ledgers: SQLite files (or memory) in a session folder,
    or databases of the test PostgreSQL cluster. Both hand out a few locations round-robin,
    emptied before reuse, so ``fresh()`` is cheap; ``keep()`` is never reused."""

    def __init__(self, name: str, folder: Path, pool: PgPool | None = None) -> None:
        self.name, self.folder, self.pool = name, folder, pool
        self._turn = itertools.cycle(range(8))
        self._kept = itertools.count(1)

    def __repr__(self) -> str:
        return self.name

    @property
    def commits(self) -> tuple[str, ...]:
        """How this backend commits a batch: SQLite in memory inline, in a file on the
        writer thread while the next batch is decided; PostgreSQL always the latter."""
        return ("memory", "file") if self.pool is None else ("server",)

    def fresh(self, commit: str = "file") -> str:
        """The location of an empty ledger (``commit="memory"``: in memory, on SQLite)."""
        if self.pool is not None:
            return self.pool.fresh()
        if commit == "memory":
            return ":memory:"
        path = self.folder / f"ledger-{next(self._turn)}.db"
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return str(path)

    def keep(self) -> str:
        """The location of an empty ledger that no later ``fresh()`` call will reuse."""
        if self.pool is not None:
            return self.pool.cluster.database()
        return str(self.folder / f"kept-{next(self._kept)}.db")

    def open(self, commit: str = "file", *, fast: bool = False, **knobs: Any) -> Ledger:
        """A new, empty, non-durable ledger; ``fast`` forces every shortcut on;
        ``commit="process"``: PostgreSQL ingest commits in a forked writer process."""
        if commit == "process":
            knobs["writer_process"] = True
        return Ledger.open(self.fresh(commit), durable=False, **(FAST if fast else {}), **knobs)

    def examples(self, sqlite: int | None = None) -> settings:
        """Hypothesis settings: the profile's examples (or ``sqlite``) on SQLite, a share
        of them on PostgreSQL, where each example costs a few dozen round trips."""
        count = sqlite or settings.default.max_examples
        return settings(max_examples=count if self.pool is None else max(5, count // PG_SHARE))


_COLLECTOR_PROBE = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(f"collector on at exit: {gc.isenabled()}\\n"))
sys.argv = ["likeledger", *sys.argv[1:]]
from likeledger.cli import main
main()
"""


def collector_at_exit(args: list[str]) -> str:
    """Run ``likeledger ARGS`` through the console entry point in a new process; its stderr,
    ending with whether the cyclic collector was on when the process exited."""
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR_PROBE, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stderr
