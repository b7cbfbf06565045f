"""The examples/ through the command line on each backend give what they give on a
SQLite file: the same ingest report, exit codes and answers, line for line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_kit import Backend

from .runner import Result, likeledger

EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.jsonl"))
QUERIES = [
    ("count", "maya-dance", "leo-prank", "never-published", "--json"),
    ("count", "maya-dance"),
    ("explain", "maya-dance", "--since", "2026-11-01T10:03:00Z", "--json"),
    ("explain", "--creator", "maya", "--until", "2026-11-03T00:00:00Z", "--json"),
    ("visible", "maya-dance", "--viewer", "ana", "--json"),
    ("reconcile", "--json"),
]


def _run(db: str | Path) -> list[Result]:
    """Ingest every example, then ask every query; the results in that order."""
    return [likeledger("ingest", *EXAMPLES, "--json", db=db)] + [
        likeledger(*query, db=db) for query in QUERIES
    ]


@pytest.fixture(scope="module")
def on_a_file(tmp_path_factory: pytest.TempPathFactory) -> list[Result]:
    return _run(tmp_path_factory.mktemp("reference") / "ledger.db")


def test_the_cli_answers_the_examples_as_on_a_file(
    backend: Backend, on_a_file: list[Result]
) -> None:
    ingested, *answers = _run(backend.fresh())
    assert ingested.json() == on_a_file[0].json()
    assert ingested.json()["accepted"] > 60
    assert ingested.json()["rejected"] > 0  # the examples show refusals too: exit 1
    assert ingested.code == on_a_file[0].code == 1, ingested.err
    for query, answer, expected in zip(QUERIES, answers, on_a_file[1:], strict=True):
        assert (answer.code, answer.out) == (expected.code, expected.out), (query, answer.err)
