"""The command line with ``--db postgresql://...``: the same answers as with SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.runner import likeledger

pytestmark = pytest.mark.postgres
EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))
QUERIES = [
    ("count", "maya-dance", "leo-prank", "never-published", "--json"),
    ("explain", "maya-dance", "--since", "2026-11-01T10:03:00Z", "--json"),
    ("explain", "--creator", "maya", "--until", "2026-11-03T00:00:00Z", "--json"),
    ("visible", "maya-dance", "--viewer", "ana", "--json"),
    ("reconcile", "--json"),
]


def test_the_cli_answers_the_same_on_postgres(pg_url: str, tmp_path: Path) -> None:
    lite = tmp_path / "ledger.db"
    ingested = [likeledger("ingest", *EXAMPLES, "--json", db=db) for db in (lite, pg_url)]
    assert ingested[1].json() == ingested[0].json()
    assert ingested[1].json()["accepted"] > 60
    assert ingested[1].json()["rejected"] > 0  # the examples show refusals too: exit 1
    assert ingested[0].code == ingested[1].code == 1, ingested[1].err
    for query in QUERIES:
        answers = [likeledger(*query, db=db) for db in (lite, pg_url)]
        assert answers[1].code == answers[0].code, (query, answers[1].err)
        assert answers[1].json_lines() == answers[0].json_lines(), query
    assert (
        likeledger("count", "maya-dance", db=pg_url).out
        == likeledger("count", "maya-dance", db=lite).out
    )


def test_likeledger_db_names_the_postgres_ledger(pg_url: str) -> None:
    env = {"LIKELEDGER_DB": pg_url}
    assert likeledger("ingest", EXAMPLES[0], "--json", env=env).json()["accepted"] > 0
    body = likeledger("count", "maya-dance", "--json", env=env).json()
    assert body["likes"] >= 0
    assert body["video"] == "maya-dance"


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/ledger"
    result = likeledger("count", "v", db=url)
    assert result.code == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/ledger" in result.err
    assert "s3cret" not in result.err + result.out
    assert "Traceback" not in result.err
