"""Simulator benchmark: 100k users, 10k videos, >= 5M events written as JSON Lines.

    .venv/bin/python bench/simulate.py [--users 100000 --videos 10000 --days 30 --seed 1]

Writes the stream to a temporary file (deleted afterwards unless --keep), shows a rich
progress bar and prints the event count, wall time and events per second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from likeledger.sim import Scenario, SimConfig, Simulation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the JSONL file and the truth")
    args = parser.parse_args()
    console = Console()
    config = SimConfig(
        seed=args.seed,
        users=args.users,
        videos=args.videos,
        days=args.days,
        bot_campaigns=max(2, args.users // 10_000),  # a farm per 10k users, 100 accounts each
        scenario=Scenario(bots_per_campaign=100),
    )
    began = time.perf_counter()
    sim = Simulation(config)
    setup = time.perf_counter() - began
    fd, path = tempfile.mkstemp(prefix="likeledger-sim-", suffix=".jsonl")
    written = 0
    columns = (
        TextColumn("[bold]simulating"),
        BarColumn(),
        TextColumn("day {task.fields[day]}/{task.fields[days]}  {task.fields[events]:,} events"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with os.fdopen(fd, "wb") as out, Progress(*columns, console=console) as bar:
            task = bar.add_task("sim", total=sim.total_hours, day=0, days=args.days, events=0)
            dumps, hours = orjson.dumps, 0
            for event in sim.events():
                out.write(dumps(event) + b"\n")
                written += 1
                if sim.hours_done != hours:
                    hours = sim.hours_done
                    bar.update(task, completed=hours, day=hours // 24, events=written)
            bar.update(task, completed=sim.total_hours, day=args.days, events=written)
        elapsed = time.perf_counter() - began
        size = os.path.getsize(path)
        if args.keep:
            sim.write_truth(path + ".truth.json")
    finally:
        if not args.keep:
            os.unlink(path)
    console.print(
        f"{written:,} events ({size / 1e6:,.0f} MB JSONL) from {args.users:,} users, "
        f"{args.videos:,} videos, {args.days} days in {elapsed:,.1f} s "
        f"(setup {setup:.1f} s): [bold]{written / elapsed:,.0f} events/s[/bold]"
    )
    console.print(dict(sim.counts.most_common()))
    if args.keep:
        console.print(f"kept {path} and {path}.truth.json")


if __name__ == "__main__":
    main()
