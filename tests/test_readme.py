"""The README's tour is real output: every `$ likeledger ...` line of its first console
block is run through the real entry point and must print exactly what the README shows."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tour() -> list[tuple[list[str], str]]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```console\n", 1)[1].split("```", 1)[0]
    steps: list[tuple[list[str], str]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:]), ""))
        else:
            command, expected = steps[-1]
            steps[-1] = (command, expected + line + "\n")
    return steps


def test_the_readme_tour_prints_what_the_readme_says(tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    status = 0
    steps = _tour()
    assert len(steps) >= 8
    for command, expected in steps:
        if command == ["echo", "$?"]:
            assert f"{status}\n" == expected
            continue
        assert command[0] == "likeledger"
        done = subprocess.run(
            [sys.executable, "-m", "likeledger", *command[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        status = done.returncode
        assert done.stdout + done.stderr == expected, command
