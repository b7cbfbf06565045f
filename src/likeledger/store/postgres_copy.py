"""Binary ``COPY`` data for all-integer rows, encoded with numpy in one pass.

The journals are most of a batch's rows and hold nothing but integers. psycopg's
``Copy.write_row`` costs a Python call per row; here a batch's journal rows become one
numpy array, are sorted and split there, and are encoded in PostgreSQL's binary ``COPY``
format with a single structured-array copy (measured on 50 batches of 33,700 rows:
0.26 s to read the tuples in and 0.26 s to split, sort and encode them, against 0.93 s for
only splitting and sorting them in Python, before a ``write_row`` per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

# Signature, flags (none) and header-extension length (0); then the end-of-data marker.
_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_TRAILER = b"\xff\xff"

IntRows = npt.NDArray[np.int64]


def int_rows(rows: Sequence[tuple[int, ...]], width: int) -> IntRows:
    """``rows`` (tuples of ``width`` integers) as an ``(n, width)`` int64 array."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
    return flat.reshape(-1, width)


def sorted_rows(rows: IntRows, key: Sequence[int]) -> IntRows:
    """``rows`` ordered by the columns ``key``, the first one first."""
    ordered: IntRows = rows[np.lexsort([rows[:, column] for column in reversed(key)])]
    return ordered


def binary_copy(rows: IntRows, sizes: Sequence[int]) -> bytes:
    """``COPY ... (FORMAT BINARY)`` data of ``rows``: non-null integers whose columns are
    ``sizes`` bytes wide (8: bigint, 4: integer, 2: smallint)."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for column, size in enumerate(sizes):
        fields += [(f"length{column}", ">i4"), (f"value{column}", f">i{size}")]
    encoded = np.empty(len(rows), dtype=np.dtype(fields))
    encoded["count"] = len(sizes)
    for column, size in enumerate(sizes):
        encoded[f"length{column}"] = size
        encoded[f"value{column}"] = rows[:, column]
    return _HEADER + encoded.tobytes() + _TRAILER
