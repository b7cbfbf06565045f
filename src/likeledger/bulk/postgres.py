"""The bulk recompute over a PostgreSQL ledger: DuckDB's postgres extension reads the
ledger table with binary ``COPY`` over its own connections, in parallel.

It sees what is committed; reconcile runs it under the writer lock inside a write
transaction that holds ``ledger_meta`` ``FOR UPDATE``, so nothing can commit meanwhile.
"""

from __future__ import annotations

from typing import Any

from ..recompute import Truth
from .engine import connect, literal
from .engine import recompute as bulk_recompute


def recompute_url(url: str, conn: Any) -> Truth:
    """Every count and total from the ledger at ``url``, in the schema ``conn`` (a psycopg
    connection to the same database) resolves unqualified names to."""
    row = conn.execute("SELECT current_schema()").fetchone()
    schema = str(row[0]) if row and row[0] else "public"
    with connect("postgres_scanner") as con:
        source = f"postgres_scan({literal(url)}, {literal(schema)}, 'ledger')"
        return bulk_recompute(con, source)
