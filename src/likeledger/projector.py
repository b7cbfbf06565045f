"""Server mode on PostgreSQL: append now, project asynchronously (issue 6).

Appenders (API processes, ``append``) store raw event lines in the inbox and return their
positions once committed; nothing is decided yet. A projector (``project --follow``) reads
the inbox in position order, runs each batch through the same engine as ``ingest``, and
commits the batch's ledger rows, state, counts and journal together with its checkpoint
and refusals: exactly once, whatever crashes. Rules:

- Appenders serialize on ``inbox_meta``, so positions commit in position order.
- A projector holds the ledger's writer lock for its whole run: a second one waits
  (standby, retrying every ``LOCK_TRY_MS`` so that it can be stopped) and takes over
  from the checkpoint. The checkpoint is also compare-and-set,
  so a batch decided from a moved checkpoint never commits.
- Account-wide cascades always run inside the batch (no separate set-based transaction),
  so every change is covered by the checkpoint committed with it.
- Stopping (``stop()``, SIGTERM in ``project --follow``) is checked between batches: the
  batch in hand commits whole with its checkpoint, or was never begun; never half.
- Ledger sequence numbers are assigned by the projector (refused lines get none); a
  line's position is its receipt, ``status`` shows how far projection got and
  ``inbox_outcomes.outcomes`` what became of a range of positions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import psycopg

from .bulkmode import bulk_mode
from .errors import ConfigError, StorageError
from .events import MAX_LINE_BYTES, Event, InvalidEvent, parse_line
from .ledger import DEFAULT_BATCH, decide_batch  # Ledger.ingest's batch, shared on purpose
from .results import IngestReport
from .store.base import BatchPipeline, Store
from .store.postgres import PostgresStore
from .store.postgres_rows import PostgresWorkingSet
from .store.postgres_sql import Checkpoint, translate_errors

COUNTS = "counts"  # the one projection: counts, totals and the journal
APPEND_CHUNK = 50_000  # lines per append transaction (the inbox lock is held for one)
LOCK_TRY_MS = 200  # a standby retries the writer lock this often, noticing a stop request


def postgres(store: Store) -> PostgresStore:
    """The store as PostgreSQL, or a ConfigError: server mode needs PostgreSQL."""
    if not isinstance(store, PostgresStore):
        raise ConfigError("server mode (append, project, status) needs a postgresql:// ledger")
    return store


@dataclass(slots=True)
class Appended:
    """Positions given to one append call: ``first``..``last`` (0, 0 when nothing)."""

    first: int = 0
    last: int = 0
    lines: int = 0

    def to_json(self) -> dict[str, int]:
        return {"first": self.first, "last": self.last, "appended": self.lines}


def append(store: PostgresStore, lines: Iterable[bytes], source: str | None = None) -> Appended:
    """Durably append raw lines (blank ones are skipped but keep their line numbers)."""
    done = Appended()
    chunk: list[tuple[bytes, int]] = []
    for number, line in enumerate(lines, 1):
        if line.strip():  # an over-long line is kept just long enough to be refused as such
            chunk.append((line.rstrip(b"\r\n")[: MAX_LINE_BYTES + 1], number))
        if len(chunk) >= APPEND_CHUNK:
            _append_chunk(store, chunk, source, done)
            chunk = []
    if chunk:
        _append_chunk(store, chunk, source, done)
    return done


def _append_chunk(
    store: PostgresStore, chunk: list[tuple[bytes, int]], source: str | None, done: Appended
) -> None:
    with translate_errors("appending to the inbox"), store.conn.transaction():
        cur = store.conn.cursor()
        row = cur.execute("SELECT head FROM inbox_meta FOR UPDATE").fetchone()
        head = int(row[0]) if row else 0
        with cur.copy("COPY inbox (pos, line, source, lineno) FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["int8", "bytea", "text", "int4"])
            for offset, (line, number) in enumerate(chunk, 1):
                cp.write_row((head + offset, line, source, number))
        cur.execute("UPDATE inbox_meta SET head = %s", (head + len(chunk),))
    done.first = done.first or head + 1
    done.last, done.lines = head + len(chunk), done.lines + len(chunk)


@dataclass(slots=True)
class Projected:
    """What one ``project`` run applied; ``position`` is where it stopped."""

    position: int = 0
    lines: int = 0
    report: IngestReport | None = None

    def to_json(self) -> dict[str, Any]:
        report = self.report or IngestReport()
        return {
            "position": self.position,
            "lines": self.lines,
            "accepted": report.accepted,
            "duplicates": report.duplicates,
            "stale": report.stale,
            "rejected": report.rejected,
        }


def project(
    store: PostgresStore,
    *,
    batch: int = DEFAULT_BATCH,
    follow: bool = False,
    idle: float = 0.05,
    stop: Callable[[], bool] = lambda: False,
) -> Projected:
    """Apply inbox lines after the checkpoint, in order, batch by batch, until the inbox is
    drained (or, with ``follow``, until ``stop()``: asked between batches, while idle and
    while waiting as a standby; the batch in hand always commits whole). ``batch`` is an
    upper bound: a worker that keeps up takes what is pending, a backlog goes in big batches."""
    done = Projected(report=IngestReport())
    with ExitStack() as held:
        if not _writer_lock(store, held, stop):
            done.position = checkpoint(store)
            return done
        with store.pipeline() as pipe:
            done.position = checkpoint(store)
            while not stop():
                if _catch_up(store, pipe, done, batch, stop):
                    continue
                if not follow:
                    break
                pipe.drain()  # the last batch is durable before we sit idle
                time.sleep(idle)
    return done


def _catch_up(
    store: PostgresStore,
    pipe: BatchPipeline,
    done: Projected,
    batch: int,
    stop: Callable[[], bool],
) -> bool:
    """Apply batches while lines are pending (False when none were), as bulk work: the GC
    paused and threads switched sooner, as in ``ingest``; both come back when idle, so a
    long-running worker still collects its garbage."""
    rows = _inbox_after(store, done.position, batch)
    if not rows:
        return False
    with bulk_mode():
        while rows:
            _apply(pipe, rows, done)
            if stop():
                break
            rows = _inbox_after(store, done.position, batch)
    return True


def _writer_lock(store: PostgresStore, held: ExitStack, stop: Callable[[], bool]) -> bool:
    """Take the ledger's writer lock into ``held``, in short tries (``lock_timeout``) so a
    stop request reaches a waiting standby; False when stopped before getting it."""
    conn = store.conn
    with translate_errors("setting the lock timeout"):
        conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{LOCK_TRY_MS}ms",))
    try:
        while not stop():
            try:
                held.enter_context(store.lock())
                return True
            except StorageError as exc:
                if not isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
                    raise
        return False
    finally:
        with translate_errors("resetting the lock timeout"):
            conn.execute("SELECT set_config('lock_timeout', '0', false)")


def _apply(pipe: BatchPipeline, rows: list[tuple[int, bytes]], done: Projected) -> None:
    """Decide one batch of inbox rows and submit it with its checkpoint and refusals."""
    assert done.report is not None
    ws = pipe.begin()
    if not isinstance(ws, PostgresWorkingSet):  # the inbox exists only on PostgreSQL
        raise ConfigError("server mode needs a PostgreSQL ledger")
    parsed = [(pos, _parse(line)) for pos, line in rows]
    decided, _rest, _flip = decide_batch(ws, parsed, None, None)
    refusals = [(e.line, e.code, e.message) for e in decided.errors]
    ws.checkpoint = Checkpoint(COUNTS, done.position, rows[-1][0], refusals)
    pipe.submit(ws)
    done.report.merge(decided)
    done.position, done.lines = rows[-1][0], done.lines + len(rows)


def _parse(line: bytes) -> Event | str:
    try:
        return parse_line(line)
    except InvalidEvent as exc:
        return str(exc)


def _inbox_after(store: PostgresStore, position: int, limit: int) -> list[tuple[int, bytes]]:
    conn = store._reader or store.conn  # the reader while the pipeline's writer is busy
    with translate_errors("reading the inbox"):
        rows = conn.execute(
            "SELECT pos, line FROM inbox WHERE pos > %s ORDER BY pos LIMIT %s", (position, limit)
        ).fetchall()
    return [(int(pos), bytes(line)) for pos, line in rows]


def checkpoint(store: PostgresStore, name: str = COUNTS) -> int:
    """The last inbox position the projection has applied."""
    with translate_errors("reading the checkpoint"):
        row = store.conn.execute(
            "SELECT position FROM checkpoints WHERE name = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class Status:
    """How far projection got: the lag is ``pending`` lines, the oldest ``oldest_s`` old."""

    inbox_head: int
    projected: int
    ledger_head: int
    oldest_s: float | None
    refused: int

    @property
    def pending(self) -> int:
        return self.inbox_head - self.projected

    def to_json(self) -> dict[str, Any]:
        return {
            "inbox_head": self.inbox_head,
            "projected": self.projected,
            "pending": self.pending,
            "ledger_head": self.ledger_head,
            "oldest_pending_s": self.oldest_s,
            "refused": self.refused,
        }


def status(store: PostgresStore) -> Status:
    """Inbox head, projected position, ledger head and the age of the oldest pending line."""
    with translate_errors("reading the status"):
        row = store.conn.execute(
            "SELECT m.head, c.position, (SELECT head FROM ledger_meta), "
            "(SELECT count(*) FROM inbox_refusals), "
            "(SELECT extract(epoch FROM clock_timestamp() - i.received_at)::float8 "
            " FROM inbox i WHERE i.pos = c.position + 1) "
            "FROM inbox_meta m, checkpoints c WHERE c.name = %s",
            (COUNTS,),
        ).fetchone()
    assert row is not None
    return Status(int(row[0]), int(row[1]), int(row[2]), row[4], int(row[3]))


def wait_for(store: PostgresStore, position: int, *, timeout: float, poll: float = 0.02) -> bool:
    """Wait until the projection has applied ``position``; False on timeout."""
    deadline = time.monotonic() + timeout
    while checkpoint(store) < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


def refusals(store: PostgresStore, first: int, last: int) -> list[tuple[int, str, str]]:
    """(position, code, message) of the refused lines among positions first..last."""
    with translate_errors("reading refusals"):
        rows = store.conn.execute(
            "SELECT pos, code, message FROM inbox_refusals WHERE pos BETWEEN %s AND %s "
            "ORDER BY pos",
            (first, last),
        ).fetchall()
    return [(int(pos), code, message) for pos, code, message in rows]
