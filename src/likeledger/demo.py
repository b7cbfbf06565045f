"""``make demo``: simulate a month of a mid-size platform into demo.db, then tell four
creators' like-count stories (every cause, the exposure analysis, what to do) and write a
self-contained HTML report. Options shrink it for tests: ``python -m likeledger.demo --help``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from .errors import QueryError
from .ledger import Ledger
from .narrative import advice_lines, explanation_lines, exposure_advice
from .report import Section, render
from .results import Explanation, IngestReport
from .rules import CAUSES
from .sim import SimConfig, Simulation
from .sim.command import _progress, _tracked
from .times import MAX_TS, format_ts

DAY = 86_400_000
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
    return parser.parse_args(argv)


def _simulate(ledger: Ledger, sim: Simulation, console: Console) -> IngestReport:
    with _progress(console, disable=False) as bar:
        task = bar.add_task("simulate", total=sim.total_hours, events=0)
        return ledger.ingest_objects(_tracked(sim, bar, task))


def _pick(ledger: Ledger) -> list[tuple[str, str]]:
    """Creators whose totals lost the most to each headline cause (all different)."""
    by_cause: dict[str, list[tuple[int, str]]] = {}
    for name, cause, delta in ledger.store.creator_causes():  # type: ignore[attr-defined]
        by_cause.setdefault(CAUSES[cause], []).append((delta, name))
    chosen: list[tuple[str, str]] = []
    for title, cause in PICKS:
        for _, name in sorted(by_cause.get(cause, [])):
            if name not in {c for _, c in chosen} and _alive(ledger, name):
                chosen.append((title, name))
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


def _focus(exp: Explanation, start: int, until: int) -> int:
    """The start of the week ending with the window (enough to show the exposure story)."""
    return max(start + WEEK, until - WEEK) if exp.changes else start


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console()
    db = Path(args.db)
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    config = SimConfig(
        seed=args.seed,
        users=args.users,
        videos=args.videos,
        days=args.days,
        bot_campaigns=args.bot_campaigns,
    )
    began = time.perf_counter()
    sim = Simulation(config)
    with Ledger.open(str(db)) as ledger:
        report = _simulate(ledger, sim, console)
        elapsed = time.perf_counter() - began
        console.print(
            f"{report.accepted + report.duplicates + report.rejected:,} events in {elapsed:.0f} s: "
            f"{report.accepted:,} accepted ({report.stale:,} stale), "
            f"{report.duplicates:,} duplicates, {report.rejected:,} refused → {db}"
        )
        start, end = config.start, config.start + args.days * DAY
        sections = []
        for title, creator in _pick(ledger):
            probe = ledger.explain_creator(creator, start, end)
            sections.append(_story(ledger, title, creator, start, end, _focus(probe, start, end)))
        ranking = _ranking_pick(ledger, {s.title.split(":")[0] for s in sections}, start)
        if ranking is not None:
            title, creator, live = ranking
            sections.append(_story(ledger, title, creator, start, end, live))
        for section in sections:
            print("\n" + "\n".join(section.lines))
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
    return 0


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
