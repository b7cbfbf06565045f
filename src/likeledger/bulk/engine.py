"""The bulk recompute: every count and total from the ledger table, set-based, in DuckDB.

It computes exactly what :func:`likeledger.recompute.recompute` folds event by event (the
pure fold stays the oracle in the tests), from one scan of the ledger:

1. One ``GROUP BY`` over the relevant events. Like/unlike and block/unblock events are
   grouped by their payload, which is canonical JSON (sorted keys), so every event of one
   (user, video) pair or one (blocker, blocked) edge has the same bytes. A pair keeps the
   type of its last writer on (ts, seq) (last-writer-wins, a tie goes to the later
   arrival); an edge keeps its last type by seq. Every other relevant event (statuses,
   flags, publications, deletions, moderation) stays a group of its own.
2. Only the pairs whose winner is a like are parsed and tallied per video in one pass,
   keeping the liker only for the few accounts an exclusion can hit; the tallies are then
   joined with the small fact tables (accounts whose likes never count, flagged likes,
   blocks in both directions, live videos). A creator's total sums its live, non-removed
   videos.

A backend module (``sqlite.py``, ``postgres.py``) only says where the ledger table is.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from ..errors import ConfigError, StorageError
from ..recompute import Truth

# Event types that can change a count; the rest (follows, impressions, ...) are skipped.
COUNTED_TYPES = (
    "like",
    "unlike",
    "block",
    "unblock",
    "integrity.flag",
    "integrity.clear",
    "account.status",
    "video.published",
    "video.deleted",
    "moderation",
)

# Stage 1. ``solo`` is 0 for pair/edge groups and the event's seq for every other event.
# ``top`` is the largest ``ord`` of a group, and its low bit says whether that last writer
# is a like (or a block): for likes ``ord`` orders by (ts, seq), for blocks by seq. ``ts`` is
# shifted by 2^63 so negative times order too; (ts, seq, bit) fits a UHUGEINT. A fixed-width
# max is cheaper to keep per group than the arg_max of a string.
ORDER_KEY = """CASE WHEN type IN ('like', 'unlike')
                 THEN ((ts::HUGEINT + 9223372036854775808)::UHUGEINT << 64)
                      | (seq::UHUGEINT << 1) | (type = 'like')::UHUGEINT
                 ELSE (seq::UHUGEINT << 1) | (type = 'block')::UHUGEINT END"""
_GROUP = """
CREATE TEMP TABLE grouped AS
SELECT payload, solo,
    CASE WHEN solo > 0 THEN kind
         WHEN kind = 'l' THEN 'like'
         ELSE 'block' END AS last
FROM (
    SELECT payload, solo, kind, max(ord) AS top
    FROM (
        SELECT payload,
            CASE WHEN type IN ('like', 'unlike', 'block', 'unblock') THEN 0 ELSE seq END AS solo,
            CASE WHEN type IN ('like', 'unlike') THEN 'l'
                 WHEN type IN ('block', 'unblock') THEN 'b' ELSE type END AS kind,
            {order_key} AS ord
        FROM {source}
        WHERE type IN {types}
    )
    GROUP BY payload, solo, kind
)
WHERE solo > 0 OR top & 1 = 1  -- unliked pairs and lifted blocks change nothing
"""

# Stage 1 hands on three relations: ``facts`` (seq, type, p: the solo events, p as JSON),
# ``winners`` (u, v: the pairs whose last writer is a like) and ``block_edges`` (a, b: the
# blocks in force). From the raw ledger they are parsed out of the grouped payloads; an
# export (``export.py``) has them as columns already.
_RAW_STAGE1 = (
    """CREATE TEMP TABLE facts AS
    SELECT solo AS seq, last AS type, json(decode(payload)) AS p FROM grouped WHERE solo > 0""",
    """CREATE TEMP VIEW winners AS
    SELECT uv[1] AS u, uv[2] AS v
    FROM (SELECT json_extract_string(decode(payload), ['user', 'video']) AS uv
          FROM grouped WHERE solo = 0 AND last = 'like')""",
    """CREATE TEMP VIEW block_edges AS
    SELECT e[1] AS a, e[2] AS b
    FROM (SELECT json_extract_string(decode(payload), ['blocker', 'blocked']) AS e
          FROM grouped WHERE solo = 0 AND last = 'block')""",
)

# Stage 2: the small fact tables, from the solo events and the block edges.
_FACTS = (
    """CREATE TEMP MACRO f(p, name) AS json_extract_string(p, name)""",
    # Accounts whose likes never count: last status not active, or account flag set.
    """CREATE TEMP TABLE excluded AS
    SELECT u FROM (SELECT f(p, 'user') AS u, arg_max(f(p, 'status'), seq) AS status
                   FROM facts WHERE type = 'account.status' GROUP BY 1)
    WHERE status <> 'active'
    UNION
    SELECT u FROM (SELECT f(p, 'user') AS u, arg_max(type, seq) AS last FROM facts
                   WHERE type LIKE 'integrity.%' AND f(p, 'video') IS NULL GROUP BY 1)
    WHERE last = 'integrity.flag'""",
    """CREATE TEMP TABLE flagged AS
    SELECT u, v FROM (SELECT f(p, 'user') AS u, f(p, 'video') AS v, arg_max(type, seq) AS last
                      FROM facts WHERE type LIKE 'integrity.%' AND f(p, 'video') IS NOT NULL
                      GROUP BY 1, 2)
    WHERE last = 'integrity.flag'""",
    # A block in either direction: (liker or creator, the other one).
    """CREATE TEMP TABLE blocks AS
    SELECT a, b FROM block_edges UNION SELECT b, a FROM block_edges""",
    """CREATE TEMP TABLE moderated AS
    SELECT f(p, 'video') AS v, arg_max(f(p, 'action'), seq) AS action FROM facts
    WHERE type = 'moderation' GROUP BY 1""",
    # Live videos: neither deleted nor owned by a deleted account (deletion is final).
    """CREATE TEMP TABLE live AS
    SELECT f(p, 'video') AS v, f(p, 'creator') AS c, coalesce(action = 'remove', false) AS removed
    FROM facts LEFT JOIN moderated ON moderated.v = f(p, 'video')
    WHERE type = 'video.published'
      AND f(p, 'video') NOT IN (SELECT f(p, 'video') FROM facts WHERE type = 'video.deleted')
      AND f(p, 'creator') NOT IN (SELECT f(p, 'user') FROM facts
                                  WHERE type = 'account.status' AND f(p, 'status') = 'deleted')""",
)

# Stage 3: the winning likes that count (SEMANTICS.md section 4), per live video. Tens of
# millions of winners are tallied per video in one pass; only the likes of *suspects* (an
# account that is excluded, has a flagged like or is in a block) keep their liker, so the
# exclusions below join a few thousand rows, not every like.
_TALLY = (
    """CREATE TEMP TABLE suspects AS
    SELECT u FROM excluded UNION SELECT u FROM flagged UNION SELECT a FROM blocks""",
    """CREATE TEMP TABLE tallied AS
    SELECT v, CASE WHEN suspect THEN u END AS u, count(*) AS likes
    FROM (SELECT u, v, u IN (SELECT u FROM suspects) AS suspect FROM winners)
    GROUP BY 1, 2""",
    # A NULL liker (not a suspect) matches none of the anti joins.
    """CREATE TEMP TABLE counted AS
    SELECT t.v, sum(t.likes) AS likes
    FROM tallied t
    JOIN live USING (v)
    ANTI JOIN excluded ON excluded.u = t.u
    ANTI JOIN flagged ON flagged.u = t.u AND flagged.v = t.v
    ANTI JOIN blocks ON blocks.a = t.u AND blocks.b = live.c
    GROUP BY t.v""",
)

_LIKES = "SELECT v, coalesce(likes, 0)::BIGINT FROM live LEFT JOIN counted USING (v)"
_TOTALS = """SELECT c, sum(coalesce(likes, 0))::BIGINT FROM live LEFT JOIN counted USING (v)
WHERE NOT removed GROUP BY c"""


@contextmanager
def connect(extension: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh connection (its own temp tables) to this process's DuckDB, with ``extension``
    loaded. The database is in memory and spills to a private temp folder; it is made once
    per process, so the extensions' load time (about 0.3 s) is paid once."""
    con = _database().cursor()
    try:
        con.execute(f"LOAD '{extension_path(extension)}'")
        yield con
    finally:
        con.close()


MEMORY_LIMIT_ENV = "LIKELEDGER_BULK_MEMORY_LIMIT"


def database_config(spill: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """DuckDB's settings for the bulk recompute. ``$LIKELEDGER_BULK_MEMORY_LIMIT`` (a DuckDB
    size such as ``4GB``) caps its memory on a shared host, beyond which it spills to
    ``spill``; unset, DuckDB's default applies (80% of RAM; 100M events peak at about 11 GB)."""
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {"temp_directory": spill, "preserve_insertion_order": False}
    limit = env.get(MEMORY_LIMIT_ENV, "").strip()
    if limit:
        config["memory_limit"] = limit
    return config


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    spill = tempfile.mkdtemp(prefix="likeledger-bulk-")
    atexit.register(shutil.rmtree, spill, ignore_errors=True)
    config = database_config(spill)
    try:
        return duckdb.connect(config=config)
    except duckdb.Error as exc:
        if "memory_limit" in config:  # the only setting that comes from the user
            raise ConfigError(f"bad {MEMORY_LIMIT_ENV}={config['memory_limit']!r}: {exc}") from exc
        raise StorageError(f"cannot start the bulk engine: {exc}") from exc


def extension_path(name: str) -> Path:
    """The signed DuckDB extension ``name`` shipped by the pip package
    ``duckdb-extension-<name>`` (DuckDB checks its signature when it loads it)."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ConfigError(f"the bulk recompute needs the {package!r} package (pip install it)")
    found = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}"
    path = found / f"{name}.duckdb_extension"
    if not path.is_file():
        raise ConfigError(f"{package!r} has no extension for DuckDB {duckdb.__version__}")
    return path


def recompute(con: duckdb.DuckDBPyConnection, source: str) -> Truth:
    """Every count and total from the ledger relation ``source`` (columns seq, type, ts,
    payload), exactly as the pure fold computes them."""
    con.execute(_GROUP.format(source=source, types=type_list(COUNTED_TYPES), order_key=ORDER_KEY))
    return finish(con, _RAW_STAGE1)


def finish(con: duckdb.DuckDBPyConnection, stage1: Iterable[str]) -> Truth:
    """Stages 2 and 3 after ``stage1``, the statements that make ``facts``, ``winners`` and
    ``block_edges``; the counts and totals."""
    for statement in (*stage1, *_FACTS, *_TALLY):
        con.execute(statement)
    likes = {str(v): int(n) for v, n in con.execute(_LIKES).fetchall()}
    totals = {str(c): int(n) for c, n in con.execute(_TOTALS).fetchall()}
    return Truth(likes=likes, totals=totals)


def type_list(types: Iterable[str]) -> str:
    """``types`` as a SQL list for ``IN``."""
    return "(" + ", ".join(literal(t) for t in types) + ")"


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
