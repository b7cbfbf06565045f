"""The bulk recompute over a SQLite ledger: DuckDB's sqlite extension scans the file.

It reads through its own SQLite connection, so it sees what is committed; reconcile runs it
under the writer lock inside a write transaction, where nothing can commit meanwhile.
"""

from __future__ import annotations

import functools
import uuid
from typing import TYPE_CHECKING

import orjson

from ..recompute import Truth, recompute
from .engine import connect, literal
from .engine import recompute as bulk_recompute
from .export import LedgerExport

if TYPE_CHECKING:
    from ..store.sqlite import SQLiteStore


def recompute_file(store: SQLiteStore, export: LedgerExport | None = None) -> Truth:
    """Every count and total from the ledger of ``store``'s SQLite file; with ``export``,
    from that copy of the ledger, first brought up to the ledger's head.

    A ``:memory:`` database cannot be opened by another connection: it is folded from
    the store's connection with the pure recompute instead (such ledgers are small,
    throwaway ones; no copy is kept of them).
    """
    if store.path == ":memory:":
        rows = store.conn.execute("SELECT type, ts, payload FROM ledger ORDER BY seq")
        return recompute((etype, ts, orjson.loads(payload)) for etype, ts, payload in rows)
    with connect("sqlite_scanner") as con:
        if export is None:
            return bulk_recompute(con, f"sqlite_scan({literal(store.path)}, 'ledger')")
        alias = f"ledger_{uuid.uuid4().hex}"
        con.execute(f"ATTACH {literal(store.path)} AS {alias} (TYPE sqlite, READ_ONLY)")
        try:
            return export.recompute(
                con,
                functools.partial(_rows_between, alias, store.path),
                store.head(),
                store.ledger_rows_at,
            )
        finally:
            con.execute(f"DETACH {alias}")


def _rows_between(alias: str, path: str, after: int, through: int) -> str:
    """The ledger rows after < seq <= through. A new copy (``after`` 0) scans the whole
    table in parallel; a later range is selected by SQLite itself, through its primary key
    (``sqlite_scan`` would read the whole table). ``sqlite_query`` gives text columns: they
    are typed back here."""
    if after == 0:
        return f"sqlite_scan({literal(path)}, 'ledger')"
    query = (
        "SELECT seq, type, ts, payload FROM ledger "
        f"WHERE seq > {int(after)} AND seq <= {int(through)}"
    )
    return (
        "(SELECT seq::BIGINT AS seq, type, ts::BIGINT AS ts, encode(payload) AS payload "
        f"FROM sqlite_query({literal(alias)}, {literal(query)}))"
    )
