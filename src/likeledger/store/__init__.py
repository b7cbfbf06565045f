"""Storage backends behind one small interface; ``open_store`` picks one from a URL.

Drivers are imported only by the backend that needs them.
"""

from __future__ import annotations

from ..errors import ConfigError
from .base import Store
from .sqlite import SQLiteStore
from .workingset import ROLLUP_FROM

DEFAULT_DB = "likeledger.db"


def sqlite_path(url: str) -> str | None:
    """The SQLite file a URL names, or None when the URL is not SQLite."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :] or DEFAULT_DB
    if url.startswith("sqlite://"):
        raise ConfigError(
            f"database URL {url!r}: use sqlite:///relative/path or sqlite:////absolute/path"
        )
    if "://" in url:
        return None
    return url


def open_store(
    url: str, *, durable: bool = True, rollup_from: int = ROLLUP_FROM, writer_process: bool = False
) -> Store:
    """Open the store for ``url``: a plain path or ``sqlite:///path`` is SQLite;
    ``postgresql://`` or ``postgres://`` is PostgreSQL (needs the ``postgres`` extra).
    ``writer_process``: PostgreSQL ingest commits in a forked writer process (SQLite's
    writer thread spends its time in SQLite's C code, without the GIL, and keeps it)."""
    path = sqlite_path(url)
    if path is not None:
        return SQLiteStore(path, durable=durable, rollup_from=rollup_from)
    scheme = url.split("://", 1)[0]
    if scheme in ("postgresql", "postgres"):
        try:
            from .postgres import PostgresStore
        except ImportError as exc:
            if not (exc.name or "").startswith("psycopg"):
                raise
            raise ConfigError(
                f"database URL {scheme}://...: PostgreSQL needs psycopg; "
                "install it with: pip install 'likeledger[postgres]'"
            ) from exc
        return PostgresStore(
            url, durable=durable, rollup_from=rollup_from, writer_process=writer_process
        )
    raise ConfigError(f"database URL {url!r} has an unsupported scheme {scheme!r}")
