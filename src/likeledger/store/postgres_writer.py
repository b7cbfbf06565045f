"""PostgreSQL batch commits in a forked writer process (``Ledger.open(url, writer_process=True)``,
what ``likeledger ingest`` uses).

Why: on a writer thread, a batch's client work (psycopg's COPY, the statements) takes turns
with the deciding thread for the GIL, and the deciding thread waits for each commit in turn.
In a process of its own, with two batches in flight, the writer and the server keep the
second core busy while the deciding thread keeps the first (docs/postgres.md has the
measurements).

The protocol, one pipe: the parent starts the child before its writer thread exists and
waits for ``("ready", None)``. Then, per batch, it sends one marshalled request (the
generation it expects, the batch's ``PendingRows`` fields, a projector's checkpoint) and
gets ``("ok", generation)`` once the batch committed, or ``("error", message)``. An
empty message asks the child to exit; so does the end of the pipe when the parent dies:
the batch the child is committing then commits or rolls back whole.
"""

from __future__ import annotations

import marshal
import multiprocessing
import signal
from contextlib import suppress
from dataclasses import astuple, fields
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from ..errors import LedgerError, StorageError
from .postgres_sql import Checkpoint
from .rows import PendingRows

if TYPE_CHECKING:
    from .postgres import PostgresStore

_FIELDS = tuple(f.name for f in fields(PendingRows))
_MARSHAL_VERSION = 2  # without back-references: a third faster for rows of small tuples
_STOP_TIMEOUT_S = 60.0


class WriterProcess:
    """The parent's handle on one forked child that commits batches for a ledger."""

    def __init__(self, url: str, *, durable: bool, rollup_from: int) -> None:
        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(url, durable, rollup_from, child_end, self._pipe),
            name="likeledger-writer",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        try:
            self._answer()  # the child connected, or says why it could not
        except StorageError:
            self.close()
            raise

    def commit(self, generation: int, rows: PendingRows, checkpoint: Checkpoint | None) -> int:
        """Commit one batch in the child; the ledger's generation after it."""
        request = (
            generation,
            tuple(getattr(rows, name) for name in _FIELDS),
            astuple(checkpoint) if checkpoint is not None else None,
        )
        try:
            self._pipe.send_bytes(marshal.dumps(request, _MARSHAL_VERSION))
        except OSError as exc:
            raise self._gone("sending a batch") from exc
        return int(self._answer())

    def _answer(self) -> Any:
        try:
            kind, value = marshal.loads(self._pipe.recv_bytes())
        except (EOFError, OSError) as exc:
            raise self._gone("waiting for a commit") from exc
        if kind == "error":
            raise StorageError(str(value))
        return value

    def _gone(self, doing: str) -> StorageError:
        self._process.join(timeout=1.0)
        return StorageError(
            f"the writer process exited (code {self._process.exitcode}) while {doing}; "
            "the batch it held may or may not have committed (retrying its events is safe)"
        )

    def close(self) -> None:
        """Ask the child to exit once its batch is done, and wait for it."""
        with suppress(OSError):
            self._pipe.send_bytes(b"")
        self._process.join(timeout=_STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._pipe.close()


def _serve(
    url: str, durable: bool, rollup_from: int, pipe: Connection, parent_end: Connection
) -> None:
    """The child: commit each batch it is sent, in order, until told to stop."""
    from .postgres import PostgresStore

    parent_end.close()  # so the parent's death ends our pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        store = PostgresStore(url, durable=durable, rollup_from=rollup_from)
        store.prepare_writer()
    except LedgerError as exc:
        pipe.send_bytes(marshal.dumps(("error", str(exc))))
        return
    try:
        pipe.send_bytes(marshal.dumps(("ready", None)))
        while request := _next(pipe):
            pipe.send_bytes(marshal.dumps(_commit(store, request)))
    finally:
        store.close()


def _next(pipe: Connection) -> bytes:
    try:
        return pipe.recv_bytes()
    except (EOFError, OSError):
        return b""  # the parent is gone


def _commit(store: PostgresStore, request: bytes) -> tuple[str, Any]:
    generation, row_fields, checkpoint = marshal.loads(request)
    try:
        store.commit_rows(
            generation,
            PendingRows(*row_fields),
            Checkpoint(*checkpoint) if checkpoint is not None else None,
        )
    except LedgerError as exc:
        return ("error", str(exc))
    except Exception as exc:
        return ("error", f"the writer process failed: {exc!r}")
    return ("ok", store.generation)
