"""``POST /v1/events`` mechanics: read a bounded body, split it into events, ingest them with
the writer ledger and report one result per event.

The rule: a body that cannot be split into events (a JSON array that is not valid JSON, a
JSON value that is not an array) commits nothing (400, with the index, line and column of the
first bad element). Otherwise each event stands alone: malformed ones are refused
``invalid_event`` (the response is 422 and names the first) and every valid one is applied
and committed, as ``likeledger ingest`` does with a file.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from starlette.requests import Request

from ..ledger import Ledger
from ..results import IngestReport
from .auth import ensure_table
from .errors import BadBody, PayloadTooLarge, UnsupportedMediaType
from .readmodel_sqlite import connect

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-lines"}
)


@dataclass(slots=True)
class Body:
    """Events of one request: decoded objects (JSON array) or raw lines (NDJSON)."""

    objects: list[Any] | None = None
    lines: list[bytes] | None = None
    line_of: list[int] | None = None  # NDJSON: 1-based line of each event (blank lines skipped)

    @property
    def size(self) -> int:
        return len(self.objects) if self.objects is not None else len(self.line_of or [])


@dataclass(slots=True)
class Posted:
    """What one ``POST /v1/events`` did: counts, the last sequence given, a result per event.

    ``appended`` is set in server mode (PostgreSQL), where events are stored for the
    projector and their outcome (accepted, duplicate, stale, refused) is decided later.
    """

    accepted: int = 0
    duplicates: int = 0
    stale: int = 0
    rejected: int = 0
    appended: int | None = None
    last_seq: int | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class EventSink(Protocol):
    """Where ``POST /v1/events`` writes: one implementation per backend. Called under the
    app's write lock, off the event loop."""

    def post(self, body: Body) -> Posted:
        """Write the body's events; one result per event."""
        ...

    def integrity_writer(self) -> Ledger:
        """The ledger integrity apply/clear append through (NotSupported in server mode)."""
        ...

    def revive(self, *, force: bool = False) -> None:
        """Reopen connections a database restart broke (``force``: even if they look fine)."""
        ...

    def close(self) -> None: ...


class SQLiteSink:
    """Synchronous ingest into the SQLite file: every result is final when it returns."""

    def __init__(self, path: str) -> None:
        self.writer = Ledger.open(path)  # creates and migrates the ledger first
        self.conn = connect(path)
        ensure_table(self.conn)

    def post(self, body: Body) -> Posted:
        report, results = run(self.writer, self.conn, body)
        return Posted(
            accepted=report.accepted,
            duplicates=report.duplicates,
            stale=report.stale,
            rejected=report.rejected,
            last_seq=report.last_seq,
            results=results,
        )

    def integrity_writer(self) -> Ledger:
        return self.writer

    def revive(self, *, force: bool = False) -> None:
        """A SQLite file needs no reconnecting."""

    def close(self) -> None:
        self.conn.close()
        self.writer.close()


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than the {limit}-byte limit", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than the {limit}-byte limit", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def split(raw: bytes, content_type: str | None, max_events: int) -> Body:
    """Split a body into events by its content type (sniffed when absent)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media:
        media = "application/json" if raw.lstrip()[:1] == b"[" else "application/x-ndjson"
    if media in JSON_TYPES:
        body = _array(raw)
    elif media in NDJSON_TYPES:
        lines = raw.split(b"\n")
        body = Body(lines=lines, line_of=[n for n, line in enumerate(lines, 1) if line.strip()])
    else:
        raise UnsupportedMediaType(
            f"content type {media!r}: send application/json (an array) or application/x-ndjson"
        )
    if body.size > max_events:
        raise PayloadTooLarge(
            f"{body.size} events in one request; the limit is {max_events}", limit=max_events
        )
    return body


def _array(raw: bytes) -> Body:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadBody(f"not valid JSON ({exc.msg}); nothing was ingested", **_locate(raw)) from None
    if not isinstance(value, list):
        raise BadBody("the body must be a JSON array of events; nothing was ingested")
    return Body(objects=value)


def _locate(raw: bytes) -> dict[str, int]:
    """Index, line and column of the first array element that does not parse."""
    text = raw.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    pos, index = _skip(text, 0), 0
    if text[pos : pos + 1] != "[":
        return _where(text, pos)
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return _where(text, _skip(text, pos + 1))
    while True:
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            return {"index": index, "line": exc.lineno, "column": exc.colno}
        pos = _skip(text, end)
        if text[pos : pos + 1] != ",":
            return {"index": index, **_where(text, pos)}
        pos, index = _skip(text, pos + 1), index + 1


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _where(text: str, pos: int) -> dict[str, int]:
    line = text.count("\n", 0, pos) + 1
    return {"line": line, "column": pos - (text.rfind("\n", 0, pos) + 1) + 1}


def run(
    writer: Ledger, conn: sqlite3.Connection, body: Body
) -> tuple[IngestReport, list[dict[str, Any]]]:
    """Ingest ``body`` (call under the write lock, off the event loop); results per event."""
    if body.objects is not None:
        report = writer.ingest_objects(body.objects)
        keys = [_key(obj) for obj in body.objects]
        positions = list(range(1, len(keys) + 1))
    else:
        assert body.lines is not None
        assert body.line_of is not None
        report = writer.ingest(body.lines)
        positions = body.line_of
        refused = {error.line for error in report.errors}
        keys = [None if n in refused else _key(orjson.loads(body.lines[n - 1])) for n in positions]
    return report, _results(conn, report, keys, positions, ndjson=body.objects is None)


def _key(obj: Any) -> str | None:
    key = obj.get("id") if isinstance(obj, dict) else None
    return key if isinstance(key, str) else None


def _rows(
    conn: sqlite3.Connection, report: IngestReport
) -> tuple[dict[str, tuple[int, bool]], list[tuple[int, bool]]]:
    """(seq, stale) of the ingest call's ledger rows: by key, and those without one."""
    keyed: dict[str, tuple[int, bool]] = {}
    unkeyed: list[tuple[int, bool]] = []
    if report.last_seq is not None and report.accepted:
        rows = conn.execute(
            "SELECT seq, key, stale FROM ledger WHERE seq > ? AND seq <= ? ORDER BY seq",
            (report.last_seq - report.accepted, report.last_seq),
        )
        for seq, key, stale in rows:
            if key is None:
                unkeyed.append((seq, bool(stale)))
            else:
                keyed[key] = (seq, bool(stale))
    return keyed, unkeyed


def _results(
    conn: sqlite3.Connection,
    report: IngestReport,
    keys: list[str | None],
    positions: list[int],
    *,
    ndjson: bool,
) -> list[dict[str, Any]]:
    """Match each event to its ledger row: one ingest call's rows are its last ``accepted``
    sequence numbers; an event with an ``id`` owns the row with that key (none: duplicate),
    an event without one owns the next unkeyed row (it is never a duplicate)."""
    keyed, unkeyed = _rows(conn, report)
    errors = {error.line: error for error in report.errors}
    results: list[dict[str, Any]] = []
    next_unkeyed = iter(unkeyed)
    for index, (key, position) in enumerate(zip(keys, positions, strict=True)):
        out: dict[str, Any] = {"index": index}
        if ndjson:
            out["line"] = position
        error = errors.get(position)
        if error is not None:
            out.update(status="refused", code=error.code, message=error.message)
        else:
            row = keyed.pop(key, None) if key is not None else next(next_unkeyed, None)
            if row is None:
                out["status"] = "duplicate"
            else:
                out.update(status="stale" if row[1] else "accepted", seq=row[0])
        results.append(out)
    return results
