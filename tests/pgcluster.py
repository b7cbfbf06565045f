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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
            self.down("immediate")  # the data is thrown away: no shutdown checkpoint
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


# Rows the migrations seed: reset in place when a database is emptied, never deleted. The
# generation is bumped, not reset, so that a handle still open could never trust its cache.
_SEEDED = {
    "schema_version": [],
    "ledger_meta": ["UPDATE ledger_meta SET head = 0, generation = generation + 1"],
    "inbox_meta": ["UPDATE inbox_meta SET head = 0"],
    "checkpoints": [
        "DELETE FROM checkpoints WHERE name <> 'counts'",
        "UPDATE checkpoints SET position = 0, seq = 0, at = now()",
    ],
}


def _emptying_script(conn: Any) -> bytes:
    """One round trip that empties every table of the current schema, as if just migrated."""
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    ).fetchall()
    statements = [
        sql for (table,) in tables for sql in _SEEDED.get(table, [f"DELETE FROM {table}"])
    ]
    return ";\n".join(["BEGIN", *statements, "COMMIT"]).encode()


def _admin(url: str) -> Any:
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET synchronous_commit = off")  # emptying need not wait for the disk
    return conn


class PgPool:
    """Migrated databases handed out round-robin, emptied before each use: about 5 ms, against
    some 140 ms for a new database and its migrations.

    ``size`` bounds how many ledgers one test may hold open at once: the one handed out
    ``size`` calls ago is emptied and reused.
    """

    def __init__(self, cluster: PgCluster, size: int = 8) -> None:
        self.cluster = cluster
        self.urls: list[str] = []
        self._admins: list[Any] = []  # one open connection per database, to empty it
        self._script = b""
        self._turn: Iterator[int] = itertools.cycle(range(size))

    def fresh(self) -> str:
        """The URL of an empty, migrated ledger database."""
        turn = next(self._turn)
        if turn == len(self.urls):
            self.urls.append(self._migrated())
            return self.urls[turn]
        import psycopg

        try:
            self._admins[turn].execute(self._script)
        except psycopg.OperationalError:  # the server was restarted (tests/pg does that)
            self._admins[turn].close()
            self._admins[turn] = _admin(self.urls[turn])
            self._admins[turn].execute(self._script)
        return self.urls[turn]

    def _migrated(self) -> str:
        from likeledger.ledger import Ledger

        url = self.cluster.database()
        Ledger.open(url).close()
        self._admins.append(_admin(url))
        self._script = self._script or _emptying_script(self._admins[-1])
        return url

    def close(self) -> None:
        """Close the connections held to empty the databases."""
        for admin in self._admins:
            admin.close()
        self._admins.clear()
