"""``read_lines``: chunked reading gives every line once, in order, whatever the chunk
boundaries, and cuts an over-long line short instead of buffering it."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from likeledger.cli import read_lines
from likeledger.events import MAX_LINE_BYTES

LIMIT = MAX_LINE_BYTES


def expected(data: bytes) -> list[bytes]:
    """The lines of ``data`` without their ``\\n`` (no line after a final ``\\n``), each
    cut to LIMIT + 2 bytes: enough to be refused as too long."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line[: LIMIT + 2] for line in lines]


def read(data: bytes, chunk_size: int) -> list[bytes]:
    return [line[: LIMIT + 2] for line in read_lines(io.BytesIO(data), chunk_size)]


LENGTHS = st.sampled_from([0, 1, 2, 40, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, 3 * LIMIT])


@given(
    lengths=st.lists(LENGTHS, max_size=6),
    final_newline=st.booleans(),
    chunk_size=st.sampled_from([997, 4096, LIMIT + 1, 1 << 20]),
)
def test_long_and_short_lines_across_chunk_boundaries(
    lengths: list[int], final_newline: bool, chunk_size: int
) -> None:
    data = b"\n".join(bytes([97 + i % 26]) * n for i, n in enumerate(lengths))
    data += b"\n" if final_newline and lengths else b""
    assert read(data, chunk_size) == expected(data)


@given(data=st.binary(max_size=60), chunk_size=st.integers(1, 7))
def test_short_lines_with_tiny_chunks(data: bytes, chunk_size: int) -> None:
    assert read(data, chunk_size) == expected(data)


def test_a_line_over_the_limit_is_cut_and_the_rest_skipped() -> None:
    data = b"x" * (5 * LIMIT) + b"\nnext\n"
    lines = list(read_lines(io.BytesIO(data), chunk_size=1000))
    assert [len(line) for line in lines] == [LIMIT + 2, 4]
    assert lines[1] == b"next"


def test_a_line_of_exactly_the_limit_plus_its_newline_is_whole() -> None:
    data = b"y" * LIMIT + b"\r\n" + b"z"
    assert list(read_lines(io.BytesIO(data), chunk_size=1000)) == [b"y" * LIMIT + b"\r", b"z"]
