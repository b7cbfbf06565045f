"""The command line: a thin shell over :class:`likeledger.ledger.Ledger` (SEMANTICS.md section 7).

Exit status: 0 success; 1 when ingest refused an event or a query got an error line (or
the database failed); 2 for a bad command line.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, NoReturn

import click
import orjson

from .errors import LedgerError, QueryError
from .events import MAX_LINE_BYTES
from .ledger import Ledger
from .narrative import REASON_TEXT, explanation_lines
from .results import CopyRefresh, IngestReport
from .times import BadTime, parse_ts


class Timestamp(click.ParamType):
    """--since/--until: integer ms or an RFC 3339 date-time with an offset."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_ts(int(value) if value.isdigit() else value)
        except BadTime as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)


def _emit(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _open(ctx: click.Context, *, writer_process: bool = False) -> Ledger:
    try:
        return Ledger.open(ctx.obj["db"], writer_process=writer_process)
    except LedgerError as exc:
        _fail(str(exc))


class LazyGroup(click.Group):
    """Feature commands (simulator, API, detector) import their heavy modules only when used."""

    LAZY: dict[str, str] = {  # noqa: RUF012
        "simulate": "likeledger.sim.command:simulate",
        "integrity": "likeledger.integrity.command:integrity",
        "serve": "likeledger.api.commands:serve",
        "token": "likeledger.api.commands:token",
        "append": "likeledger.projector_cli:append",
        "project": "likeledger.projector_cli:project",
        "status": "likeledger.projector_cli:status",
        "wait": "likeledger.projector_cli:wait",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            module, attr = self.LAZY[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.option(
    "--db",
    envvar="LIKELEDGER_DB",
    default="likeledger.db",
    show_default=True,
    help="Database: a path, sqlite:///path or postgresql://... (env LIKELEDGER_DB).",
)
@click.version_option(package_name="likeledger")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """likeledger: exact like counts, and every change explained by cause."""
    ctx.ensure_object(dict)["db"] = db


def pause_until_exit(ctx: click.Context) -> None:
    """Keep the cyclic collector off for the rest of a one-shot process (``main`` marks its
    context ``one_shot``; a command run inside someone else's process is left alone).

    A bulk run (likeledger.bulkmode) leaves millions of row objects no collection has walked
    yet; turning the collector back on would walk them all once just before the process
    exits (measured: 0.9 s of a 1M-event ingest). Long-running commands do not call this.
    """
    if (ctx.find_root().obj or {}).get("one_shot"):
        gc.disable()


def read_lines(stream: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Yield lines without their ``\\n``, cutting any line over the limit short so it is
    refused, not buffered whole.

    Reads in chunks split in C: one ``readline`` per line cost about 0.7 s of a 1M-line
    ingest. ``read1`` returns what a pipe has, so a slow producer is not waited out.
    """
    read = getattr(stream, "read1", stream.read)
    start, cut = b"", False  # a line's start that a chunk ended in; skipping a cut line's rest
    while chunk := read(chunk_size):
        *ended, rest = chunk.split(b"\n")
        if ended:
            if cut:
                del ended[0]  # the end of a line already yielded, cut short
            else:
                ended[0] = start + ended[0]
            start, cut = b"", False
            yield from ended
        if not cut:
            start += rest
            if len(start) > MAX_LINE_BYTES + 1:  # over the limit, its end not even read
                yield start[: MAX_LINE_BYTES + 2]
                start, cut = b"", True
    if start:
        yield start


@cli.command()
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True),
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object for the run.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Append events from JSON Lines FILES (- for stdin); valid ones commit even if others fail.

    Example: likeledger ingest examples/01-bot-purge.jsonl
    """
    pause_until_exit(ctx)
    total = IngestReport()
    with _open(ctx, writer_process=True) as ledger:
        for name in files:
            stream = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115
            try:
                report = ledger.ingest(read_lines(stream), source=name)
            except LedgerError as exc:
                total.merge(getattr(exc, "committed", IngestReport()))
                _print_ingest(total, files, as_json)
                _fail(f"{name}: {exc} (the events counted above are committed)")
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
            if report.accepted + report.duplicates + report.rejected == 0:
                click.echo(f"{name}: no events (the input is empty)", err=True)
            total.merge(report)
    _print_ingest(total, files, as_json)
    sys.exit(1 if total.rejected else 0)


def _print_ingest(report: IngestReport, files: tuple[str, ...], as_json: bool) -> None:
    several = len(files) > 1
    if as_json:
        _emit(report.to_json(with_file=several))
        return
    click.echo(
        f"accepted {report.accepted} (stale {report.stale}), duplicates {report.duplicates}, "
        f"rejected {report.rejected}"
        + (f", ledger head {report.last_seq}" if report.last_seq else "")
    )
    for error in report.errors:
        where = f"{error.file}:" if several else ""
        click.echo(f"{where}line {error.line}: {error.code}: {error.message}", err=True)


def _answer_each(
    subjects: tuple[str, ...],
    key: str,
    as_json: bool,
    answer: Callable[[str], tuple[dict[str, Any], list[str]]],
) -> None:
    failed = False
    for subject in subjects:
        try:
            obj, lines = answer(subject)
        except QueryError as exc:
            failed = True
            obj, lines = (
                {key: subject, "error": exc.code},
                [f"{subject}: error: {exc.code} ({exc})"],
            )
        if as_json:
            _emit(obj)
        else:
            click.echo("\n".join(lines))
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("videos", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def count(ctx: click.Context, videos: tuple[str, ...], as_json: bool) -> None:
    """Print likes(VIDEO) for each VIDEO.

    Example: likeledger count v1 v2 --json
    """
    with _open(ctx) as ledger:

        def answer(video: str) -> tuple[dict[str, Any], list[str]]:
            result = ledger.count(video)
            return result.to_json(), [f"{video}: {result.likes} likes (by {result.creator})"]

        _guard(lambda: _answer_each(videos, "video", as_json, answer))


@cli.command()
@click.argument("videos", nargs=-1)
@click.option("--creator", help="Explain this creator's profile total instead of videos.")
@click.option("--since", type=Timestamp(), help="Window start (inclusive): ms or RFC 3339.")
@click.option("--until", type=Timestamp(), help="Window end (exclusive): ms or RFC 3339.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def explain(
    ctx: click.Context,
    videos: tuple[str, ...],
    creator: str | None,
    since: int | None,
    until: int | None,
    as_json: bool,
) -> None:
    """Explain how a count moved over [--since, --until), cause by cause.

    Example: likeledger explain v1 --since 2026-11-01T00:00:00Z --json
    """
    if bool(videos) == bool(creator):
        raise click.UsageError("give one or more VIDEO arguments, or --creator C (not both)")
    if since is not None and until is not None and since > until:
        raise click.UsageError("--since is later than --until")
    with _open(ctx) as ledger:
        if creator:

            def answer(subject: str) -> tuple[dict[str, Any], list[str]]:
                exp = ledger.explain_creator(subject, since, until)
                return exp.to_json(), explanation_lines(exp)

            _guard(lambda: _answer_each((creator,), "creator", as_json, answer))
        else:

            def answer_video(subject: str) -> tuple[dict[str, Any], list[str]]:
                exp = ledger.explain(subject, since, until)
                return exp.to_json(), explanation_lines(exp)

            _guard(lambda: _answer_each(videos, "video", as_json, answer_video))


@cli.command()
@click.argument("video")
@click.option("--viewer", required=True, help="The account asking to see the video.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def visible(ctx: click.Context, video: str, viewer: str, as_json: bool) -> None:
    """May --viewer see VIDEO, and if not, why (SEMANTICS.md section 5).

    Example: likeledger visible v1 --viewer bob
    """
    with _open(ctx) as ledger:

        def answer(subject: str) -> tuple[dict[str, Any], list[str]]:
            result = ledger.visible(subject, viewer)
            if result.reason is None:
                return result.to_json(), [f"{viewer} can see {subject}"]
            why = REASON_TEXT[result.reason]
            return result.to_json(), [f"{viewer} cannot see {subject}: {result.reason} ({why})"]

        _guard(lambda: _answer_each((video,), "video", as_json, answer))


@cli.command()
@click.option("--repair", is_flag=True, help="Fix drift, writing 'repair' journal entries.")
@click.option(
    "--export",
    type=click.Path(file_okay=False, writable=True),
    envvar="LIKELEDGER_EXPORT",
    help="Folder for a columnar copy of the ledger: recompute from it, adding only new events.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def reconcile(ctx: click.Context, repair: bool, export: str | None, as_json: bool) -> None:
    """Recompute every count from the ledger and report drift per subject.

    Example: likeledger reconcile --repair --export /var/lib/likeledger/copy
    """
    with _open(ctx) as ledger:
        report = _guard(lambda: ledger.reconcile(repair=repair, export=export))
    if as_json:
        _emit(report.to_json())
    else:
        click.echo(
            f"checked {report.videos} videos and {report.creators} accounts "
            f"against {report.events} events: {len(report.drift)} drifted"
        )
        for d in report.drift:
            click.echo(
                f"  {d.kind} {d.subject}: stored {d.stored}, journal {d.journal}, "
                f"recomputed {d.expected}"
            )
        if report.export is not None:
            click.echo(_copy_line(report.export))
        if report.repaired:
            click.echo(
                "repaired: counts set to the recomputed values; journal corrected with 'repair'"
            )
    sys.exit(1 if report.drift and not report.repaired else 0)


def _copy_line(copy: CopyRefresh) -> str:
    """What reconcile did to the ledger copy, for a person."""
    if copy.rebuilt:
        how = "did not match the ledger and was rebuilt"
    elif copy.reused_through == 0:
        how = "made"
    else:
        how = f"events 1-{copy.reused_through:,} reused"
    return f"ledger copy: {how}, now through event {copy.appended_through:,}"


def _guard(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except LedgerError as exc:
        _fail(str(exc))


def main() -> None:
    """Console entry point: one command, then the process exits (``one_shot``)."""
    cli(prog_name="likeledger", obj={"one_shot": True})
