"""The ``simulate`` command writes JSONL and truth, and ingests into a ledger."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from likeledger.ledger import Ledger
from likeledger.sim.command import simulate

SIZE = ["--seed", "3", "--users", "300", "--videos", "60", "--days", "4", "--quiet"]


def test_out_and_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "events.jsonl", tmp_path / "truth.json"
    result = CliRunner().invoke(
        simulate, [*SIZE, "--out", str(out), "--truth", str(truth), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    lines = out.read_bytes().splitlines()
    assert summary["events"] == len(lines) > 0
    assert orjson.loads(lines[0])["type"] == "follow"
    assert orjson.loads(truth.read_bytes())["days"] == 4


def test_db(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    result = CliRunner().invoke(simulate, [*SIZE, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    ingest = orjson.loads(result.output)["ingest"]
    assert ingest["rejected"] == 0
    assert ingest["accepted"] > 0
    with Ledger.open(str(db)) as ledger:
        assert ledger.head() == ingest["accepted"]


def test_needs_a_destination() -> None:
    result = CliRunner().invoke(simulate, SIZE)
    assert result.exit_code == 2
    assert "--out" in result.output
