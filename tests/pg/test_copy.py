"""``postgres_copy``: integer rows encoded with numpy load into PostgreSQL through binary
COPY exactly as they were, in the order asked for."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likeledger.store.postgres_copy import binary_copy, int_rows, sorted_rows
from pgcluster import PgCluster

pytestmark = pytest.mark.postgres

BIG = st.integers(-(2**63), 2**63 - 1)
SMALL = st.integers(-(2**15), 2**15 - 1)
ROWS = st.lists(st.tuples(BIG, BIG, st.integers(-(2**31), 2**31 - 1), SMALL), max_size=40)


@pytest.fixture(scope="module")
def conn(pg_cluster: PgCluster) -> Iterator[psycopg.Connection[tuple[int, ...]]]:
    url = pg_cluster.database()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE t (n int8, a int8, b int4, c int2, i serial)")
        yield connection
    pg_cluster.drop(url)


def load(conn: psycopg.Connection[tuple[int, ...]], data: bytes) -> list[tuple[int, ...]]:
    conn.execute("TRUNCATE t RESTART IDENTITY")
    with conn.cursor().copy("COPY t (n, a, b, c) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(data)
    return conn.execute("SELECT n, a, b, c FROM t ORDER BY i").fetchall()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=ROWS)
def test_rows_load_as_they_were_in_their_order(
    conn: psycopg.Connection[tuple[int, ...]], rows: list[tuple[int, int, int, int]]
) -> None:
    assert load(conn, binary_copy(int_rows(rows, 4), (8, 8, 4, 2))) == rows


@given(rows=ROWS)
def test_sorted_rows_orders_by_the_key_columns_first_one_first(
    rows: list[tuple[int, int, int, int]],
) -> None:
    ordered = sorted_rows(int_rows(rows, 4), key=(2, 0))
    assert [tuple(int(v) for v in row) for row in ordered] == sorted(
        rows, key=lambda row: (row[2], row[0])
    )


def test_no_rows_is_a_valid_empty_copy(conn: psycopg.Connection[tuple[int, ...]]) -> None:
    assert int_rows([], 3).shape == (0, 3)
    assert load(conn, binary_copy(int_rows([], 4), (8, 8, 4, 2))) == []
