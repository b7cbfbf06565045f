"""Command line of server mode: ``append``, ``project [--follow]``, ``status``, ``wait``.

Each command is one call into :mod:`likeledger.projector`. They are click commands ready to
be added to the main ``likeledger`` group (``cli.add_command(project)``), and run on their
own as ``python -m likeledger.projector_cli --db postgresql://... COMMAND``.
Exit status: 0 success, 1 a database or configuration error (or a ``wait`` timeout).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
import orjson

from . import projector
from .cli import pause_until_exit
from .errors import LedgerError
from .ledger import DEFAULT_BATCH, Ledger
from .store.postgres import PostgresStore


@contextmanager
def _store(ctx: click.Context) -> Iterator[PostgresStore]:
    try:
        with Ledger.open(ctx.obj["db"], flip_threshold=None) as ledger:
            yield projector.postgres(ledger.store)
    except LedgerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _emit(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")


@click.group()
@click.option("--db", envvar="LIKELEDGER_DB", required=True, help="postgresql://... ledger.")
@click.pass_context
def main(ctx: click.Context, db: str) -> None:
    """likeledger server mode: append now, project asynchronously."""
    ctx.obj = {"db": db}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object for the run.")
@click.pass_context
def append(ctx: click.Context, files: tuple[click.utils.LazyFile, ...], as_json: bool) -> None:
    """Durably append event lines to the inbox; print their positions (not yet applied).

    Example: likeledger append events.jsonl --json
    """
    total = projector.Appended()
    with _store(ctx) as store:
        for handle in files:
            done = projector.append(store, handle, source=handle.name)
            total.first = total.first or done.first
            total.last, total.lines = done.last or total.last, total.lines + done.lines
    if as_json:
        _emit(total.to_json())
    else:
        click.echo(f"appended {total.lines} lines at positions {total.first}..{total.last}")


@main.command()
@click.option("--follow", is_flag=True, help="Keep applying new lines until stopped.")
@click.option(
    "--batch",
    default=DEFAULT_BATCH,
    show_default=True,
    help="At most this many lines per transaction.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object for the run.")
@click.pass_context
def project(ctx: click.Context, follow: bool, batch: int, as_json: bool) -> None:
    """Apply inbox lines in order, each batch with its checkpoint (exactly once).

    A second projector on the same ledger waits and takes over if the first stops.
    SIGTERM or Ctrl-C stops it gracefully, exit 0: the batch in hand commits whole with its
    checkpoint (never half), also when it is idle or a waiting standby.
    Example: likeledger project --follow
    """
    stopping: list[int] = []

    def stop_soon(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)  # finish the batch in hand, commit it, then leave

    signal.signal(signal.SIGTERM, stop_soon)
    signal.signal(signal.SIGINT, stop_soon)
    if not follow:
        pause_until_exit(ctx)
    with _store(ctx) as store:
        try:
            done = projector.project(store, batch=batch, follow=follow, stop=lambda: bool(stopping))
        except LedgerError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    if as_json:
        _emit(done.to_json())
    else:
        click.echo(f"applied {done.lines} lines; projected up to position {done.position}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show the inbox head, the projected position, the pending lines and their age.

    Example: likeledger status --json
    """
    with _store(ctx) as store:
        now = projector.status(store)
    if as_json:
        _emit(now.to_json())
        return
    age = "" if now.oldest_s is None else f", oldest pending {now.oldest_s:.1f} s"
    click.echo(
        f"inbox head {now.inbox_head}, projected {now.projected}, pending {now.pending}"
        f"{age}; ledger head {now.ledger_head}; refused {now.refused}"
    )


@main.command()
@click.argument("position", type=int)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait at most.")
@click.pass_context
def wait(ctx: click.Context, position: int, timeout: float) -> None:
    """Wait until the projection has applied POSITION (exit 1 on timeout).

    Example: likeledger wait 1200 && likeledger count v1
    """
    with _store(ctx) as store:
        reached = projector.wait_for(store, position, timeout=timeout)
    if not reached:
        click.echo(f"error: position {position} not projected within {timeout:g} s", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main(prog_name="likeledger")
