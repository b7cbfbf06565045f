"""A one-shot ``likeledger`` process that ingests (``ingest``, ``simulate --db``) leaves the
cyclic collector off once done (it is about to exit; a last collection would only walk the
cached rows), while an ingest run in someone else's process, through the same command,
leaves it as it was."""

from __future__ import annotations

import gc
from pathlib import Path

from click.testing import CliRunner

from ledger_kit import collector_at_exit
from likeledger.cli import cli

from .runner import write_events

EVENTS = [
    {"type": "video.published", "ts": 1, "video": "v1", "creator": "c1"},
    {"type": "like", "ts": 2, "user": "u1", "video": "v1"},
]
SIMULATE = ["simulate", "--seed", "3", "--users", "300", "--videos", "60", "--days", "2"]


def test_the_entry_point_leaves_the_collector_off_after_ingest(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", *EVENTS)
    stderr = collector_at_exit(["--db", str(tmp_path / "l.db"), "ingest", str(source)])
    assert "collector on at exit: False" in stderr


def test_simulate_into_a_ledger_leaves_it_off_and_to_a_file_only_on(tmp_path: Path) -> None:
    into_ledger = [*SIMULATE, "--quiet", "--db", str(tmp_path / "sim.db")]
    assert "collector on at exit: False" in collector_at_exit(into_ledger)
    to_file = [*SIMULATE, "--quiet", "--out", str(tmp_path / "events.jsonl")]
    assert "collector on at exit: True" in collector_at_exit(to_file)


def test_an_in_process_ingest_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", *EVENTS)
    assert gc.isenabled()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "l.db"), "ingest", str(source)])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
