"""The bulk recompute over a PostgreSQL ledger: DuckDB's postgres extension reads the
ledger table with binary ``COPY`` over its own connections, in parallel.

It sees what is committed; reconcile runs it under the writer lock inside a write
transaction that holds ``ledger_meta`` ``FOR UPDATE``, so nothing can commit meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..recompute import Truth
from .engine import connect, literal
from .engine import recompute as bulk_recompute
from .export import LedgerExport

if TYPE_CHECKING:
    from ..store.postgres import PostgresStore


def recompute_url(store: PostgresStore, export: LedgerExport | None = None) -> Truth:
    """Every count and total from ``store``'s ledger, read in the schema its connection
    resolves unqualified names to; with ``export``, from that copy of the ledger, first
    brought up to the ledger's head."""
    row = store.conn.execute("SELECT current_schema()").fetchone()
    schema = str(row[0]) if row and row[0] else "public"
    where = f"{literal(store.url)}, {literal(schema)}, 'ledger'"
    with connect("postgres_scanner") as con:
        if export is None:
            return bulk_recompute(con, f"postgres_scan({where})")
        # The copy reads ranges of seq: one filtered COPY, which uses the index on seq, not
        # parallel scans of every page.
        con.execute("SET SESSION pg_use_ctid_scan = false")
        try:
            return export.recompute(
                con,
                lambda _a, _t: f"postgres_scan_pushdown({where})",
                store.head(),
                store.ledger_rows_at,
            )
        finally:
            con.execute("RESET SESSION pg_use_ctid_scan")
