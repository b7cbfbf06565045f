"""PostgreSQL fixtures: one throwaway cluster per session, a fresh database per test.

The cluster is started by ``tests/pgcluster.py``; when it cannot start, every test here
fails with the reason (it never skips).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pgcluster import ClusterError, PgCluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    try:
        cluster.start()
    except ClusterError as exc:
        pytest.fail(f"cannot start the test PostgreSQL cluster: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """The URL of a fresh, empty database (dropped afterwards)."""
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)


@pytest.fixture(scope="module")
def pg_module_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A database shared by one module's tests (hypothesis examples use a schema each)."""
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)
