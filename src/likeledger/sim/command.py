"""The ``simulate`` command: run the simulator into a JSONL file and/or straight into a ledger.

Register it on the main group with ``cli.add_command(simulate)``. The ledger is imported
only when ``--db`` is given.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..cli import pause_until_exit
from ..times import BadTime, parse_ts
from .config import Glitches, Scenario, SimConfig
from .workload import Simulation

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .executor import Event


def _ts(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_ts(int(value) if value.isdigit() else value)
    except BadTime as exc:
        raise click.BadParameter(str(exc)) from None


def _days(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter("give day numbers separated by commas, e.g. 10,20") from None


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--users", type=click.IntRange(min=10), default=2_000, show_default=True)
@click.option("--videos", type=click.IntRange(min=1), default=400, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=14, show_default=True)
@click.option(
    "--start", callback=_ts, help="First instant (RFC 3339 or ms). [default: 2026-11-01T00:00:00Z]"
)
@click.option("--bot-campaigns", type=click.IntRange(min=0), default=2, show_default=True)
@click.option("--bots-per-campaign", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--ranking-days",
    callback=_days,
    help="Days new ranking versions go live, e.g. 5,10. [default: a third and two thirds in]",
)
@click.option(
    "--retry-rate",
    type=click.FloatRange(0, 1),
    default=0.002,
    show_default=True,
    help="Share of events sent twice.",
)
@click.option(
    "--reorder-rate",
    type=click.FloatRange(0, 1),
    default=0.0005,
    show_default=True,
    help="Share of likes overtaken by their unlike.",
)
@click.option(
    "--lost-rate",
    type=click.FloatRange(0, 1),
    default=0.001,
    show_default=True,
    help="Share of likes/unlikes resent later.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the events as JSON Lines ('-' = stdout).",
)
@click.option("--truth", type=click.Path(dir_okay=False), help="Write the ground truth JSON here.")
@click.option("--db", "db", help="Ingest the events into this ledger (path or sqlite:///path).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(**options: Any) -> None:
    """Simulate a short-video platform and emit its like-ledger events.

    The run is seeded and deterministic: the same options give the same events and the
    same ground truth (likes gained and lost per video, day and cause; the bot accounts).

    Example: likeledger simulate --seed 7 --users 5000 --videos 800 --days 21
    --out events.jsonl --truth truth.json
    """
    if not options["out"] and not options["db"]:
        raise click.UsageError("give --out FILE.jsonl, --db URL, or both")
    if options["db"]:
        pause_until_exit(click.get_current_context())
    sim = Simulation(_config(options))
    err = Console(stderr=True)
    began = time.perf_counter()
    report = _run(sim, options, err)
    elapsed = time.perf_counter() - began
    if options["truth"]:
        sim.write_truth(options["truth"])
    _summary(sim, options, report, elapsed, err)
    if report is not None and report.rejected:
        sys.exit(1)


def _config(options: dict[str, Any]) -> SimConfig:
    extra = {"start": options["start"]} if options["start"] is not None else {}
    return SimConfig(
        seed=options["seed"],
        users=options["users"],
        videos=options["videos"],
        days=options["days"],
        bot_campaigns=options["bot_campaigns"],
        ranking_days=options["ranking_days"],
        scenario=Scenario(bots_per_campaign=options["bots_per_campaign"]),
        glitches=Glitches(
            retry=options["retry_rate"], reorder=options["reorder_rate"], lost=options["lost_rate"]
        ),
        **extra,
    )


def _run(sim: Simulation, options: dict[str, Any], err: Console) -> Any:
    with ExitStack() as stack:
        bar = stack.enter_context(_progress(err, disable=options["quiet"] or options["out"] == "-"))
        task = bar.add_task("simulate", total=sim.total_hours, events=0)
        stream = _tracked(sim, bar, task)
        if options["out"]:
            out: IO[bytes] = (
                sys.stdout.buffer
                if options["out"] == "-"
                else stack.enter_context(open(options["out"], "wb"))
            )
            stream = _tee(stream, out)
        if not options["db"]:
            for _ in stream:
                pass
            return None
        from likeledger.ledger import Ledger  # lazily: the simulator works without a ledger

        ledger = stack.enter_context(Ledger.open(options["db"]))
        return ledger.ingest_objects(stream)


def _progress(console: Console, *, disable: bool) -> Progress:
    return Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=disable,
    )


def _tracked(sim: Simulation, bar: Progress, task: Any) -> Iterator[Event]:
    count, hours = 0, 0
    for event in sim.events():
        count += 1
        if sim.hours_done != hours:
            hours = sim.hours_done
            bar.update(task, completed=hours, events=count)
        yield event
    bar.update(task, completed=sim.total_hours, events=count)


def _tee(stream: Iterator[Event], out: IO[bytes]) -> Iterator[Event]:
    dumps = orjson.dumps
    for event in stream:
        out.write(dumps(event) + b"\n")
        yield event


def _summary(
    sim: Simulation, options: dict[str, Any], report: Any, elapsed: float, err: Console
) -> None:
    total = sum(sim.counts.values())
    summary: dict[str, Any] = {
        "events": total,
        "seconds": round(elapsed, 2),
        "events_per_second": round(total / elapsed) if elapsed else None,
        "by_type": dict(sim.counts.most_common()),
        "bots": len(sim.truth.bots),
        "out": options["out"],
        "truth": options["truth"],
        "ingest": report.to_json() if report is not None else None,
    }
    if options["as_json"]:
        click.echo(orjson.dumps(summary).decode(), err=options["out"] == "-")
        return
    err.print(
        f"{total:,} events in {elapsed:,.1f} s ({summary['events_per_second'] or 0:,} events/s)"
    )
    if report is not None:
        err.print(
            f"ingested into {options['db']}: {report.accepted:,} accepted, "
            f"{report.duplicates:,} duplicates, {report.stale:,} stale, {report.rejected:,} refused"
        )
    if options["truth"]:
        err.print(f"ground truth: {options['truth']}")
