"""``make demo``: simulate a month of a mid-size platform into demo.db, then tell four
creators' like-count stories (every cause, the exposure analysis, what to do) and write a
self-contained HTML report. Options shrink it for tests: ``python -m likeledger.demo --help``.

The platform's integrity team is the fake-like detector (issue 4): the simulator flags no
one itself; every ``--sweep-days`` simulated days, and once more at the end, the demo runs
``likeledger integrity scan --apply`` (the same service code) at the simulated time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from .errors import QueryError
from .ledger import Ledger
from .narrative import advice_lines, explanation_lines, exposure_advice
from .report import Section, render
from .results import IngestReport
from .rules import CAUSES
from .sim import Scenario, SimConfig, Simulation
from .sim.command import _progress, _tracked
from .sim.executor import Event
from .times import MAX_TS, format_ts

DAY = 86_400_000
HOUR = 3_600_000
WEEK = 7 * DAY
PICKS = (
    ("hit by a bot purge", "integrity_flag"),
    ("hit by a removal, then an appeal", "moderation_remove"),
    ("hit by deactivations", "account_deactivated"),
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="likeledger.demo", description=__doc__)
    parser.add_argument("--db", default="demo.db")
    parser.add_argument("--report", default="demo-report.html")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--users", type=int, default=30_000)
    parser.add_argument("--videos", type=int, default=3_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--bot-campaigns", type=int, default=4)
    parser.add_argument(
        "--sweep-days", type=int, default=10, help="days between integrity sweeps (and the end)"
    )
    return parser.parse_args(argv)


@dataclass
class Outcome:
    """What a demo run did: the simulation (with its truth) and each integrity sweep's
    applied report (``likeledger integrity scan --apply --json``), in order."""

    sim: Simulation
    sweep_days: int = 10
    sweeps: list[dict[str, Any]] = field(default_factory=list)


class _Hours:
    """The simulated stream cut at hour boundaries: ``until(h)`` yields the events of the
    run's first ``h`` hours that were not yet taken."""

    def __init__(self, sim: Simulation, events: Iterator[Event]) -> None:
        self.sim, self.events, self.held = sim, events, list[Event]()

    def until(self, hours: int) -> Iterator[Event]:
        yield from self.held
        self.held = []
        for event in self.events:
            if self.sim.hours_done > hours:  # the first event of a later hour: keep it
                self.held = [event]
                return
            yield event


def _simulate(ledger: Ledger, outcome: Outcome, console: Console) -> IngestReport:
    """Ingest the run, sweeping for fake likes every ``sweep_days`` days and at the end."""
    sim, every = outcome.sim, max(1, outcome.sweep_days) * 24
    stops = [*range(every, sim.total_hours, every), sim.total_hours]
    report = IngestReport()
    with _progress(console, disable=False) as bar:
        stream = _Hours(
            sim, _tracked(sim, bar, bar.add_task("simulate", total=sim.total_hours, events=0))
        )
        for hours in stops:
            report.merge(ledger.ingest_objects(stream.until(hours)))
            outcome.sweeps.append(_sweep(ledger, sim.config.start + hours * HOUR, console))
    return report


def _sweep(ledger: Ledger, at: int, console: Console) -> dict[str, Any]:
    """The integrity team's sweep at simulated time ``at``: scan, then apply the flags, as
    ``likeledger integrity scan --apply`` does (one line for the platform, none per account)."""
    from .integrity import service  # numpy/scipy load only here

    began = time.perf_counter()
    report = service.apply(ledger, service.run_scan(ledger), clock=lambda: at / 1000)
    report["at"] = at
    removed = sum(row["likes_lost"] for row in report["impact"]["videos"])
    found = len(report["campaigns"])
    console.print(
        f"integrity sweep {format_ts(at)[:10]}: {found} campaign{'' if found == 1 else 's'}, "
        f"{len(report['flags'])} flags, {removed:,} likes removed "
        f"({time.perf_counter() - began:.1f} s)"
    )
    return report


def _pick(ledger: Ledger) -> list[tuple[str, str, str]]:
    """Creators whose totals lost the most to each headline cause (all different), with
    the story's title and the cause."""
    by_cause: dict[str, list[tuple[int, str]]] = {}
    for name, cause, delta in ledger.store.creator_causes():  # type: ignore[attr-defined]
        by_cause.setdefault(CAUSES[cause], []).append((delta, name))
    chosen: list[tuple[str, str, str]] = []
    for title, cause in PICKS:
        for _, name in sorted(by_cause.get(cause, [])):
            if name not in {c for _, c, _ in chosen} and _alive(ledger, name):
                chosen.append((title, name, cause))
                break
    return chosen


def _alive(ledger: Ledger, creator: str) -> bool:
    try:
        ledger.explain_creator(creator, 0, 1)
    except QueryError:
        return False
    return True


def _ranking_pick(ledger: Ledger, taken: set[str], start: int) -> tuple[str, str, int] | None:
    """The creator whose new likes fell most by exposure in the week after a ranking update."""
    changes = [ts for ts, _ in ledger.store.ranking_versions(MAX_TS) if ts > start]
    if not changes:
        return None
    live = changes[0]
    best: tuple[float, str] | None = None
    for name, total in _top_creators(ledger, 300):
        if name in taken or total <= 0:
            continue
        split = ledger.explain_creator(name, live, live + WEEK).exposure
        if (
            split is not None
            and split.previous.impressions >= 2_000
            and split.current.impressions >= 200
        ):
            score = float(split.exposure) / max(split.previous.new_likes, 1)
            if best is None or score < best[0]:
                best = (score, name)
    return None if best is None else ("hit by a ranking update", best[1], live)


def _top_creators(ledger: Ledger, n: int) -> list[tuple[str, int]]:
    rows = ledger.store.user_totals()
    return [(name, total) for _, name, total in sorted(rows, key=lambda r: -r[2])[:n]]


def _story(ledger: Ledger, title: str, creator: str, since: int, until: int, focus: int) -> Section:
    whole = ledger.explain_creator(creator, None, until)  # the whole story (no comparison)
    week = ledger.explain_creator(creator, focus, min(focus + WEEK, until))
    lines = [f"{creator} — {title}", *explanation_lines(whole), "", "the week that mattered:"]
    lines += explanation_lines(week)
    lines += ["", "what to do:", *advice_lines(whole.changes), *exposure_advice(week.exposure)]
    journal, impressions = ledger.store.daily(1, _uid(ledger, creator))  # type: ignore[attr-defined]
    daily = [(day, CAUSES[cause], delta) for day, cause, delta in journal]
    versions = ledger.store.ranking_versions(until)
    return Section(
        f"{creator}: {title}",
        lines,
        since // DAY,
        (until - since) // DAY,
        daily,
        impressions,
        versions,
    )


def _uid(ledger: Ledger, creator: str) -> int:
    with ledger.store.read() as view:
        user = view.user(creator)
        return 0 if user is None else user.id


def _focus(ledger: Ledger, creator: str, cause: str, start: int, until: int) -> int:
    """The start of the week that shows the headline: the week ending the day after the
    creator's biggest daily loss to ``cause`` (a bot purge lands on a sweep's day), but at
    least a week into the run so the exposure analysis has a week before to compare with."""
    journal, _ = ledger.store.daily(1, _uid(ledger, creator))  # type: ignore[attr-defined]
    losses = [(int(delta), int(day)) for day, code, delta in journal if CAUSES[code] == cause]
    if not losses or min(losses)[0] >= 0:
        return max(start + WEEK, until - WEEK)
    day = min(losses)[1]
    return max(start + WEEK, min((day + 1) * DAY - WEEK, until - WEEK))


def main(argv: list[str] | None = None) -> int:
    """``python -m likeledger.demo``: the whole demo; exit status 0."""
    run(argv)
    return 0


def run(argv: list[str] | None = None) -> Outcome:
    """The whole demo; returns the run and its integrity sweeps (for tests)."""
    args = _arguments(argv)
    console = Console()
    db = Path(args.db)
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    config = _config(args)
    began = time.perf_counter()
    outcome = Outcome(Simulation(config), sweep_days=args.sweep_days)
    with Ledger.open(str(db)) as ledger:
        report = _simulate(ledger, outcome, console)
        _ingested(console, report, time.perf_counter() - began, db)
        start, end = config.start, config.start + args.days * DAY
        sections = _sections(ledger, start, end)
        summary = _platform(ledger)
        print("\n" + "\n".join(summary))
        drift = ledger.reconcile()
        console.print(
            f"reconcile: {len(drift.drift)} drifted subjects across {drift.events:,} events"
        )
    page = render(
        f"likeledger demo: {args.days} days, {args.users:,} users, {args.videos:,} videos",
        [f"Simulated from {format_ts(start)} to {format_ts(end)}; seed {args.seed}.", *summary],
        sections,
    )
    Path(args.report).write_text(page, encoding="utf-8")
    console.print(f"report: {Path(args.report).resolve()}  (opens offline)")
    return outcome


def _ingested(console: Console, report: IngestReport, seconds: float, db: Path) -> None:
    console.print(
        f"{report.accepted + report.duplicates + report.rejected:,} events in {seconds:.0f} s: "
        f"{report.accepted:,} accepted ({report.stale:,} stale), "
        f"{report.duplicates:,} duplicates, {report.rejected:,} refused → {db}"
    )


def _config(args: argparse.Namespace) -> SimConfig:
    """The run: the simulator flags no one (the detector's sweeps are the integrity team),
    and its farms are 50 fresh accounts (plus hijacked real ones) strong."""
    return SimConfig(
        seed=args.seed,
        users=args.users,
        videos=args.videos,
        days=args.days,
        bot_campaigns=args.bot_campaigns,
        scenario=Scenario(bots_per_campaign=50, bots_flagged=0.0),
    )


def _sections(ledger: Ledger, start: int, end: int) -> list[Section]:
    """The four creators' stories, printed and returned for the report."""
    sections = []
    for title, creator, cause in _pick(ledger):
        focus = _focus(ledger, creator, cause, start, end)
        sections.append(_story(ledger, title, creator, start, end, focus))
    ranking = _ranking_pick(ledger, {s.title.split(":")[0] for s in sections}, start)
    if ranking is not None:
        title, creator, live = ranking
        sections.append(_story(ledger, title, creator, start, end, live))
    for section in sections:
        print("\n" + "\n".join(section.lines))
    return sections


def _platform(ledger: Ledger) -> list[str]:
    """Every cause across the platform's profile totals: what moved likes, in one table."""
    totals: dict[str, int] = {}
    for _, cause, delta in ledger.store.creator_causes():  # type: ignore[attr-defined]
        totals[CAUSES[cause]] = totals.get(CAUSES[cause], 0) + delta
    lines = ["platform-wide, every cause that moved profile totals:"]
    lines += [
        f"  {delta:+10,d}  {cause}" for cause, delta in sorted(totals.items(), key=lambda i: i[1])
    ]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
