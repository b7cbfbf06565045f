"""The ``likeledger ingest`` process leaves the cyclic collector off once the ingest is done
(it is about to exit; a last collection would only walk the cached rows), while an ingest
run in someone else's process, through the same command, leaves it as it was."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from likeledger.cli import cli

from .runner import write_events

EVENTS = [
    {"type": "video.published", "ts": 1, "video": "v1", "creator": "c1"},
    {"type": "like", "ts": 2, "user": "u1", "video": "v1"},
]
PROBE = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(f"collector on at exit: {gc.isenabled()}\\n"))
sys.argv = ["likeledger", "--db", sys.argv[1], "ingest", sys.argv[2]]
from likeledger.cli import main
main()
"""


def test_the_entry_point_leaves_the_collector_off_after_ingest(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", *EVENTS)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "l.db"), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "collector on at exit: False" in done.stderr


def test_an_in_process_ingest_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    source = write_events(tmp_path / "events.jsonl", *EVENTS)
    assert gc.isenabled()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "l.db"), "ingest", str(source)])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
