"""PostgreSQL-only fixtures: a fresh, empty (unmigrated) database per test.

The cluster itself (``pg_cluster``) is the session's, from ``tests/conftest.py``: when it
cannot start, every test here fails with the reason (it never skips).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pgcluster import PgCluster


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """The URL of a fresh, empty database (dropped afterwards)."""
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)
