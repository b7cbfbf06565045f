"""An incremental columnar copy of the ledger, for the bulk recompute.

The ledger is append-only: a committed row never changes. So its counted events up to some
seq can live in Parquet files with the payload already parsed into columns, and each
reconcile appends one file with only the events committed since. The recompute then reads
the copy instead of the whole ledger through the database (on PostgreSQL most of a big
recompute's time is that transfer).

The copy trusts nothing it cannot check cheaply: it never runs ahead of the ledger's head,
and a few sample rows (with a digest of type, ts and payload) are compared with the ledger
on every refresh. A copy that fails either check, or cannot be read, is rebuilt from scratch.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import ConfigError, StorageError
from ..recompute import Truth
from ..results import CopyRefresh
from .engine import COUNTED_TYPES, ORDER_KEY, finish, literal, type_list

FORMAT = 1
MANIFEST = "manifest.json"
MAX_SEGMENTS = 24  # beyond this many files, the copy is merged into one
SAMPLES_PER_SEGMENT = 4
MAX_SAMPLES = 64

PAIR_TYPES = ("like", "unlike", "block", "unblock")
LedgerRow = tuple[int, str, int, bytes]  # seq, type, ts, payload
FetchRows = Callable[[list[int]], list[LedgerRow]]
# The ledger relation (columns seq, type, ts, payload as BLOB) holding at least the rows
# after < seq <= through, read so that the database can use its index on seq.
RowsBetween = Callable[[int, int], str]

# One row per counted event: a like/unlike keeps (user, video) and a block/unblock
# (blocker, blocked) as columns a and b; any other event keeps its JSON payload.
_EXPORT = """
COPY (
    SELECT seq, ts, type,
        CASE WHEN type IN ('like', 'unlike') THEN j[1] ELSE j[3] END AS a,
        CASE WHEN type IN ('like', 'unlike') THEN j[2] ELSE j[4] END AS b,
        CASE WHEN type NOT IN {pairs} THEN p END AS payload
    FROM (
        SELECT seq, ts, type, p,
            CASE WHEN type IN {pairs}
                 THEN json_extract_string(p, ['user', 'video', 'blocker', 'blocked']) END AS j
        FROM (SELECT seq, ts, type, decode(payload) AS p FROM {source}
              WHERE seq > {after} AND seq <= {through} AND type IN {types})
    )
) TO {path} (FORMAT parquet, COMPRESSION zstd)
"""

# Stage 1 over the copy: the last writer of each pair (by the raw path's ``ORDER_KEY``),
# and the solo events as facts.
_COLUMN_STAGE1 = (
    """CREATE TEMP TABLE pairs AS
    SELECT a, b, kind FROM (
        SELECT a, b, kind, max(ord) AS top
        FROM (
            SELECT a, b,
                CASE WHEN type IN ('like', 'unlike') THEN 'l' ELSE 'b' END AS kind,
                {order_key} AS ord
            FROM {source} WHERE type IN {pairs}
        )
        GROUP BY a, b, kind
    )
    WHERE top & 1 = 1""",
    """CREATE TEMP TABLE facts AS
    SELECT seq, type, json(payload) AS p FROM {source} WHERE type NOT IN {pairs}""",
    "CREATE TEMP VIEW winners AS SELECT a AS u, b AS v FROM pairs WHERE kind = 'l'",
    "CREATE TEMP VIEW block_edges AS SELECT a, b FROM pairs WHERE kind = 'b'",
)


@dataclass
class Manifest:
    """What the copy holds: every counted event with seq <= ``through``, in ``segments``."""

    through: int = 0
    segments: list[str] = field(default_factory=list)
    samples: dict[int, str] = field(default_factory=dict)  # seq -> digest of the ledger row

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "through": self.through, "segments": self.segments}
        body["samples"] = {str(seq): digest for seq, digest in sorted(self.samples.items())}
        return json.dumps(body, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest | None:
        """The manifest, or None when it is unreadable or of another format."""
        try:
            body = json.loads(raw)
            if body.get("format") != FORMAT:
                return None
            samples = {int(seq): str(digest) for seq, digest in body["samples"].items()}
            segments = [str(name) for name in body["segments"]]
            if not all(_SEGMENT.fullmatch(name) for name in segments):
                return None
            return cls(int(body["through"]), segments, samples)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def digest(row: LedgerRow) -> str:
    """A digest of one ledger row's content (seq excluded: it is the sample's key)."""
    _, etype, ts, payload = row
    return hashlib.sha256(f"{etype}\x00{ts}\x00".encode() + bytes(payload)).hexdigest()[:32]


class LedgerExport:
    """The copy in ``directory`` (created if missing), refreshed from one ledger."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.last: CopyRefresh | None = None  # what the latest refresh did

    def recompute(
        self, con: duckdb.DuckDBPyConnection, rows: RowsBetween, head: int, fetch: FetchRows
    ) -> Truth:
        """Bring the copy up to ``head`` from the ledger (``rows`` reads a range of it, ``fetch``
        rows by seq for the checks), then recompute every count from it. A copy that cannot
        be read is rebuilt from the ledger, once."""
        with self._locked(), self._translated():
            self.last = self.refresh(con, rows, head, fetch)
            try:
                return self._recompute(con)
            except (duckdb.IOException, duckdb.InvalidInputException):  # a damaged file
                self._clear()
                self.last = self.refresh(con, rows, head, fetch)
                self.last.rebuilt = True
                return self._recompute(con)

    def _recompute(self, con: duckdb.DuckDBPyConnection) -> Truth:
        """The counts from the copy as it stands, on a fresh connection (its own temp tables)."""
        manifest = self._manifest() or Manifest()
        files = ", ".join(literal(str(self.directory / name)) for name in manifest.segments)
        relation = f"read_parquet([{files}])" if files else _EMPTY
        pairs = type_list(PAIR_TYPES)
        stage1 = [
            s.format(source=relation, pairs=pairs, order_key=ORDER_KEY) for s in _COLUMN_STAGE1
        ]
        cursor = con.cursor()
        try:
            return finish(cursor, stage1)
        finally:
            cursor.close()

    def refresh(
        self, con: duckdb.DuckDBPyConnection, rows: RowsBetween, head: int, fetch: FetchRows
    ) -> CopyRefresh:
        """Append the events after the copy's ``through`` up to ``head``; rebuild the copy when
        it does not match the ledger. The caller holds the directory lock."""
        manifest = self._manifest()
        rebuilt = manifest is not None and not self._matches(manifest, head, fetch)
        if manifest is None or rebuilt:
            self._clear()
            manifest = Manifest()
        reused = manifest.through
        if head > manifest.through:
            name = f"seg-{manifest.through + 1:012d}-{head:012d}.parquet"
            self._export(con, rows, manifest.through, head, name)
            manifest.segments.append(name)
            manifest.samples = _thinned(
                {**manifest.samples, **self._samples(manifest.through, head, fetch)}, head
            )
            manifest.through = head
            self._save(manifest)
        if len(manifest.segments) > MAX_SEGMENTS:
            self._merge(con, manifest)
        self._sweep(manifest)
        return CopyRefresh(reused, manifest.through, rebuilt)

    # -- checks ---------------------------------------------------------------------------
    def _matches(self, manifest: Manifest, head: int, fetch: FetchRows) -> bool:
        """The copy is of this ledger: not ahead of it, its samples unchanged, files present."""
        if manifest.through > head:
            return False
        if any(not (self.directory / name).is_file() for name in manifest.segments):
            return False
        rows = fetch(sorted(manifest.samples))
        found = {row[0]: digest(row) for row in rows}
        return found == manifest.samples

    def _samples(self, after: int, through: int, fetch: FetchRows) -> dict[int, str]:
        """Digests of a few rows of (after, through]: its last one and some at random."""
        picks = {through} | {random.randint(after + 1, through) for _ in range(SAMPLES_PER_SEGMENT)}
        return {row[0]: digest(row) for row in fetch(sorted(picks))}

    # -- files ----------------------------------------------------------------------------
    def _export(
        self, con: duckdb.DuckDBPyConnection, rows: RowsBetween, after: int, through: int, name: str
    ) -> None:
        partial = self.directory / f".{name}.partial"
        con.execute(
            _EXPORT.format(
                source=rows(after, through),
                after=after,
                through=through,
                types=type_list(COUNTED_TYPES),
                pairs=type_list(PAIR_TYPES),
                path=literal(str(partial)),
            )
        )
        _fsync(partial)
        os.replace(partial, self.directory / name)

    def _merge(self, con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
        """Rewrite every segment into one file (their union; nothing is re-read from the ledger)."""
        files = ", ".join(literal(str(self.directory / name)) for name in manifest.segments)
        name = f"seg-{1:012d}-{manifest.through:012d}.m{len(manifest.segments)}.parquet"
        partial = self.directory / f".{name}.partial"
        con.execute(
            f"COPY (SELECT * FROM read_parquet([{files}])) TO {literal(str(partial))} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        _fsync(partial)
        os.replace(partial, self.directory / name)
        manifest.segments = [name]
        self._save(manifest)

    def _manifest(self) -> Manifest | None:
        path = self.directory / MANIFEST
        return Manifest.from_json(path.read_bytes()) if path.is_file() else None

    def _save(self, manifest: Manifest) -> None:
        partial = self.directory / f".{MANIFEST}.partial"
        partial.write_bytes(manifest.to_json())
        _fsync(partial)
        os.replace(partial, self.directory / MANIFEST)

    def _clear(self) -> None:
        (self.directory / MANIFEST).unlink(missing_ok=True)
        self._sweep(Manifest())

    def _sweep(self, manifest: Manifest) -> None:
        """Delete the files the manifest does not name (left by a merge or a crash)."""
        keep = set(manifest.segments)
        for path in self.directory.glob("seg-*.parquet"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        for path in self.directory.glob(".*.partial"):
            path.unlink(missing_ok=True)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """DuckDB's and the file system's errors as this package's."""
        try:
            yield
        except duckdb.Error as exc:
            raise StorageError(f"the ledger copy in {self.directory}: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"cannot write the ledger copy in {self.directory}: {exc}") from exc

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One refresh at a time per directory (an advisory lock on a file in it)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = open(self.directory / ".lock", "a+b")  # noqa: SIM115 (held while locked)
        except OSError as exc:
            raise ConfigError(f"cannot use {self.directory} for the ledger copy: {exc}") from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


_SEGMENT = re.compile(r"seg-[0-9]+-[0-9]+(\.m[0-9]+)?\.parquet")
_EMPTY = (
    "(SELECT 0::BIGINT AS seq, 0::BIGINT AS ts, ''::VARCHAR AS type, ''::VARCHAR AS a, "
    "''::VARCHAR AS b, ''::VARCHAR AS payload WHERE false)"
)


def _thinned(samples: dict[int, str], last: int) -> dict[int, str]:
    """At most ``MAX_SAMPLES`` samples, chosen at random, always keeping the ``last`` row."""
    if len(samples) <= MAX_SAMPLES:
        return samples
    kept = {last, *random.sample(sorted(set(samples) - {last}), MAX_SAMPLES - 1)}
    return {seq: samples[seq] for seq in sorted(kept)}


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
