"""Bulk recompute of every count from the ledger (DuckDB): ``engine`` holds the set-based
computation, ``sqlite`` and ``postgres`` say where each backend's ledger table is."""
