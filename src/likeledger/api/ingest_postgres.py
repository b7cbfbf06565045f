"""``POST /v1/events`` in server mode (PostgreSQL): validate, then append durably.

Each event is checked against the wire schema at once (pure: check 1 of SEMANTICS.md
section 3); a malformed one is refused ``invalid_event`` here, as on SQLite, and not
stored. Every valid event is appended to the inbox in one transaction per request and gets
its inbox position, returned once the transaction committed: the event is durable, and a
``project --follow`` worker decides it later (accepted, duplicate, stale or refused by state;
refusals land in ``inbox_refusals``). A client that retries after a lost answer resends
the same ids: the projector recognises the copies as duplicates, so nothing is doubled.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import orjson
import psycopg

from .. import projector
from ..errors import StorageError
from ..events import InvalidEvent, parse_line, parse_object
from ..ledger import Ledger
from .errors import NotSupported
from .ingest import Body, Posted
from .readmodel_postgres import open_ledger

SOURCE = "api"  # inbox.source of lines appended through the HTTP API


class PostgresSink:
    """Appends to the inbox of the ledger at ``url`` through its own connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ledger, self.store = open_ledger(url)
        self._failed = False  # a storage error: reconnect before the next append

    def post(self, body: Body) -> Posted:
        lines, results = _checked(body)
        out = Posted(rejected=sum(r["status"] == "refused" for r in results), results=results)
        try:
            done = projector.append(self.store, lines, source=SOURCE)
        except StorageError:
            self._failed = True
            raise
        out.appended = done.lines
        out.last_seq = done.last or None
        position = done.first
        for result in results:
            if result["status"] == "appended":
                result["seq"] = position
                position += 1
        return out

    def integrity_writer(self) -> Ledger:
        raise NotSupported(
            "integrity apply and clear write synchronously; in server mode append the "
            "flags from GET /v1/integrity/scan through POST /v1/events"
        )

    def revive(self, *, force: bool = False) -> None:
        """Reopen the connection if a restart or a network failure broke it."""
        if force or self._failed or self.store.conn.broken or self.store.conn.closed:
            with suppress(psycopg.Error):
                self._ledger.close()
            self._ledger, self.store = open_ledger(self.url)
            self._failed = False

    def close(self) -> None:
        self._ledger.close()


def _checked(body: Body) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The lines to append and a result per event (``appended`` or refused)."""
    lines: list[bytes] = []
    results: list[dict[str, Any]] = []
    for index, (line, number) in enumerate(_lines(body)):
        out: dict[str, Any] = {"index": index}
        if body.objects is None:
            out["line"] = number
        try:
            if body.objects is None:
                parse_line(line)
            else:
                parse_object(body.objects[index])
        except InvalidEvent as exc:
            out.update(status="refused", code="invalid_event", message=str(exc))
        else:
            out["status"] = "appended"
            lines.append(line)
        results.append(out)
    return lines, results


def _lines(body: Body) -> list[tuple[bytes, int]]:
    """(line, 1-based line or position) of each event of the body."""
    if body.objects is not None:
        return [(orjson.dumps(obj), n) for n, obj in enumerate(body.objects, 1)]
    assert body.lines is not None
    assert body.line_of is not None
    return [(body.lines[n - 1], n) for n in body.line_of]
