"""Shared fixtures: every contract test runs on SQLite and on PostgreSQL.

``ledger`` is a fresh ledger in one of five setups (three SQLite, two PostgreSQL);
``backend`` (session-scoped, ``sqlite`` / ``postgres``) hands out fresh ledgers and database
URLs for tests that need several, or the command line. PostgreSQL is a throwaway cluster
started once per session (``tests/pgcluster.py``): it fails loudly, never skips, when it
cannot start, and only starts when a PostgreSQL test is selected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ledger_kit import Backend
from likeledger.ledger import Ledger
from pgcluster import ClusterError, PgCluster, PgPool

settings.register_profile(
    "likeledger",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(  # what .ci/run uses: a rare input gets more chances than locally
    "likeledger-ci", parent=settings.get_profile("likeledger"), max_examples=200
)
settings.register_profile(
    "likeledger-thorough", parent=settings.get_profile("likeledger"), max_examples=500
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "likeledger"))

# name: (backend, how batches commit, every shortcut forced on)
LEDGERS = {
    "memory": ("sqlite", "memory", False),  # batches commit inline
    "file": ("sqlite", "file", False),  # on the writer thread while the next one is decided
    "file-fast-paths": ("sqlite", "file", True),  # set-based cascades, hourly roll-ups
    "postgres": ("postgres", "server", False),
    "postgres-fast-paths": ("postgres", "server", True),
    # in a forked writer process, two batches in flight (what `likeledger ingest` does)
    "postgres-writer-process": ("postgres", "process", False),
}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL server (some tests in tests/pg stop and restart it)."""
    cluster = PgCluster()
    try:
        cluster.start()
    except ClusterError as exc:
        pytest.fail(f"cannot start the test PostgreSQL cluster: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_pool(pg_cluster: PgCluster) -> Iterator[PgPool]:
    """Migrated databases, emptied before each use (cheaper than one per ledger)."""
    pool = PgPool(pg_cluster)
    yield pool
    pool.close()


def _backend(request: pytest.FixtureRequest, name: str, folder: Path) -> Backend:
    """The pool is asked for only by PostgreSQL tests: SQLite-only runs start no cluster."""
    pool = request.getfixturevalue("pg_pool") if name == "postgres" else None
    return Backend(name, folder, pool)


def _params(names: list[str]) -> list[object]:
    """Fixture params; the PostgreSQL ones carry the ``postgres`` mark (``-m "not postgres"``
    runs the SQLite half alone, without starting a cluster)."""
    return [
        pytest.param(name, marks=pytest.mark.postgres) if "postgres" in name else name
        for name in names
    ]


@pytest.fixture(scope="session", params=_params(["sqlite", "postgres"]))
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """One backend for the whole session: fresh ledgers and locations on demand."""
    return _backend(request, request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(params=_params(list(LEDGERS)))
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A throwaway ledger in one of the setups of ``LEDGERS``."""
    name, commit, fast = LEDGERS[request.param]
    with _backend(request, name, tmp_path).open(commit, fast=fast) as opened:
        yield opened
