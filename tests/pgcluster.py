"""A throwaway PostgreSQL 15 cluster for the tests: initdb + pg_ctl on a temp dir, loopback port.

It runs as the ``postgres`` account when the tests run as root (``initdb`` refuses root),
waits with ``pg_isready`` and fails loudly, never skips, when anything is missing or does
not start. The tests own the server: some of them stop and restart it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN = Path(os.environ.get("LIKELEDGER_PG_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL_HINT = (
    "`make test` installs them on a fresh machine (apt-get install -y postgresql-15); "
    "or set LIKELEDGER_PG_BIN to a folder holding initdb and pg_ctl"
)


class ClusterError(RuntimeError):
    """The test cluster could not be started (the message says why and what to do)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One running cluster; ``database()`` hands out a fresh empty database URL."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.port = 0
        self._names = itertools.count(1)

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> PgCluster:
        for tool in ("initdb", "pg_ctl", "pg_isready"):
            if not (BIN / tool).is_file():
                raise ClusterError(f"PostgreSQL binary {BIN / tool} is missing: {INSTALL_HINT}")
        self.root = Path(tempfile.mkdtemp(prefix="likeledger-pg-"))
        self._as_owner()
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.port = _free_port()
        self.up()
        return self

    def up(self) -> None:
        """Start (or restart) the server on the same port and data folder."""
        assert self.root is not None
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c max_connections=200 -c shared_buffers=256MB"
        )
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        self._wait_ready()

    def down(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash: no shutdown checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self.down()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def database(self) -> str:
        """Create an empty database ``t_<n>`` and return its URL."""
        import psycopg

        name = f"t_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    # -- helpers --------------------------------------------------------------------
    def _as_owner(self) -> None:
        if os.geteuid() == 0:
            assert self.root is not None
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.root / "server.log" if self.root else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise ClusterError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}"
            )

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        args = ["-h", "127.0.0.1", "-p", str(self.port)]
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(BIN / "pg_isready"), *args], capture_output=True, check=False
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise ClusterError(f"PostgreSQL did not become ready within {timeout:.0f} s")
