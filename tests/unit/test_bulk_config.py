"""The bulk engine's DuckDB settings: $LIKELEDGER_BULK_MEMORY_LIMIT caps its memory, and a
bad value is a clear configuration error, not a DuckDB traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from likeledger.bulk import engine
from likeledger.errors import ConfigError, StorageError


@pytest.fixture
def fresh_database() -> Iterator[None]:
    """The process-wide DuckDB database is made once; these tests make their own."""
    engine._database.cache_clear()
    yield
    engine._database.cache_clear()


def test_unset_leaves_duckdbs_default() -> None:
    config = engine.database_config("/tmp/spill", {})
    assert "memory_limit" not in config
    assert config["temp_directory"] == "/tmp/spill"


@pytest.mark.usefixtures("fresh_database")
def test_the_limit_reaches_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.MEMORY_LIMIT_ENV, " 512MB ")
    assert engine.database_config("/tmp/spill")["memory_limit"] == "512MB"
    row = engine._database().execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    assert row[0] == "488.2 MiB"  # 512 MB (10^6 bytes) as DuckDB shows it, in MiB


@pytest.mark.usefixtures("fresh_database")
def test_a_bad_limit_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match="LIKELEDGER_BULK_MEMORY_LIMIT='lots'"):
        engine._database()


@pytest.mark.usefixtures("fresh_database")
def test_other_startup_failures_do_not_blame_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(engine.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.setattr(engine, "database_config", lambda _spill: {"no_such_setting": 1})
    with pytest.raises(StorageError, match="cannot start the bulk engine") as caught:
        engine._database()
    assert engine.MEMORY_LIMIT_ENV not in str(caught.value)
