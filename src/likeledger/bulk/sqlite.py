"""The bulk recompute over a SQLite ledger: DuckDB's sqlite extension scans the file.

It reads through its own SQLite connection, so it sees what is committed; reconcile runs it
under the writer lock inside a write transaction, where nothing can commit meanwhile.
"""

from __future__ import annotations

import sqlite3

import orjson

from ..recompute import Truth, recompute
from .engine import connect, literal
from .engine import recompute as bulk_recompute


def recompute_file(path: str, conn: sqlite3.Connection) -> Truth:
    """Every count and total from the ledger of the SQLite database at ``path``.

    A ``:memory:`` database cannot be opened by another connection: it is folded from
    ``conn`` with the pure recompute instead (such ledgers are small, throwaway ones).
    """
    if path == ":memory:":
        rows = conn.execute("SELECT type, ts, payload FROM ledger ORDER BY seq")
        return recompute((etype, ts, orjson.loads(payload)) for etype, ts, payload in rows)
    with connect("sqlite_scanner") as con:
        return bulk_recompute(con, f"sqlite_scan({literal(path)}, 'ledger')")
