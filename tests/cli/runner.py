"""Run the real command line in a subprocess: ``python -m likeledger ...``."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        """The single JSON object printed on stdout."""
        (line,) = self.out.splitlines()
        return orjson.loads(line)

    def json_lines(self) -> list[Any]:
        return [orjson.loads(line) for line in self.out.splitlines()]


def likeledger(
    *args: str | Path,
    db: Path | str | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Result:
    """Run ``python -m likeledger [--db DB] ARGS`` with LIKELEDGER_DB unset unless given."""
    command = [sys.executable, "-m", "likeledger"]
    if db is not None:
        command += ["--db", str(db)]
    command += [str(arg) for arg in args]
    environ = {k: v for k, v in os.environ.items() if k != "LIKELEDGER_DB"}
    environ.update(env or {})
    done = subprocess.run(
        command, input=stdin or b"", capture_output=True, env=environ, cwd=cwd, timeout=300
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


def write_events(path: Path, *events: dict[str, Any] | bytes) -> Path:
    """Write JSON Lines: dicts are serialised, bytes are written as they are."""
    lines = [e if isinstance(e, bytes) else orjson.dumps(e) for e in events]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path
