"""The PostgreSQL store itself: migrations, the sharding layout, errors, options."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import psycopg
import pytest

from ledger_kit import like, pub
from likeledger.errors import ConfigError, StorageError
from likeledger.ledger import Ledger
from likeledger.store import open_store

pytestmark = pytest.mark.postgres
# The distribution key of every table (docs/postgres.md); None: coordinator-local.
LAYOUT = {
    "schema_version": None,
    "ledger_meta": None,
    "ledger": None,
    "inbox": None,
    "inbox_meta": None,
    "inbox_refusals": None,
    "checkpoints": None,
    "user_names": "name",
    "video_names": "name",
    "videos": "video_id",
    "likes": "video_id",
    "video_journal": "video_id",
    "video_journal_hourly": "video_id",
    "impressions": "video_id",
    "users": "user_id",
    "blocks": "blocker_id",
    "follows": "follower_id",
    "creator_journal": "creator_id",
    "creator_journal_hourly": "creator_id",
}


def _columns_of_unique_indexes(conn: psycopg.Connection, table: str) -> list[set[str]]:
    rows = conn.execute(
        "SELECT i.indexrelid, a.attname FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisunique",
        (table,),
    ).fetchall()
    by_index: dict[int, set[str]] = {}
    for index, column in rows:
        by_index.setdefault(index, set()).add(column)
    return list(by_index.values())


def test_every_table_is_laid_out_for_sharding(pg_url: str) -> None:
    """Citus needs every unique constraint to include the distribution column."""
    Ledger.open(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        assert tables == set(LAYOUT)  # a new table must be placed in the layout (and docs)
        for table, key in LAYOUT.items():
            if key is None:
                continue
            uniques = _columns_of_unique_indexes(conn, table)
            assert uniques, table
            assert all(key in columns for columns in uniques), (table, uniques)
    doc = Path(__file__).parents[2].joinpath("docs", "postgres.md").read_text()
    for table, key in LAYOUT.items():
        assert f"`{table}`" in doc, table
        if key is not None:
            assert f"`{table}` | `{key}`" in doc, table


def test_migrations_are_recorded_once_even_when_opened_concurrently(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_close() -> None:
        try:
            Ledger.open(pg_url).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Ledger.open(pg_url):
        pass
    with psycopg.connect(pg_url) as conn:
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
        assert versions == [(1,), (2,)]
        assert conn.execute("SELECT head, generation FROM ledger_meta").fetchall() == [(0, 0)]


def test_driver_errors_become_storage_errors(pg_url: str) -> None:
    with Ledger.open(pg_url) as ledger:
        ledger.ingest_objects([pub("v", "c", 1), like("u", "v", 2)])
        pid = ledger.store.conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StorageError, match="PostgreSQL failed") as caught:
            ledger.count("v")
        assert isinstance(caught.value.__cause__, psycopg.Error)
        with pytest.raises(StorageError) as failed:
            ledger.ingest_objects([like("w", "v", 3)])
        assert isinstance(failed.value.__cause__, psycopg.Error)
    with Ledger.open(pg_url) as reopened:  # nothing half-written
        assert reopened.head() == 2
        assert reopened.count("v").likes == 1


def test_a_missing_driver_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "likeledger.store.postgres", raising=False)
    with pytest.raises(ConfigError, match=r"pip install 'likeledger\[postgres\]'"):
        open_store("postgresql://somewhere/ledger")


def test_a_malformed_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid PostgreSQL URL"):
        open_store("postgresql://[::1/ledger")


@pytest.mark.parametrize(("durable", "setting"), [(True, "on"), (False, "off")])
def test_durability_is_synchronous_commit(pg_url: str, durable: bool, setting: str) -> None:
    with Ledger.open(pg_url, durable=durable) as ledger:
        conn = ledger.store.conn  # type: ignore[attr-defined]
        assert conn.execute("SHOW synchronous_commit").fetchone() == (setting,)
