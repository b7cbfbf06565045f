"""The seeded, deterministic day-by-day loop that drives the simulated platform.

:class:`Simulation` wires the model, the ranker, the scenario planners and the executor,
then walks the run hour by hour: ranking updates, viewing, delivery of every intent due,
and the hour's impressions. The same config always yields the same events and truth.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .campaigns import Farms
from .config import DAY_MS, HOUR_MS, SimConfig
from .executor import Executor, Names
from .feed import Feed
from .handlers import Handlers
from .model import build_platform, hashtag_names
from .ranker import Weights, version
from .scenario import Planner
from .state import World
from .truth import Truth, write_truth

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from .executor import Event


class Simulation:
    """One run. Iterate :meth:`events` to the end; then :attr:`truth` is complete.

    Example:
        >>> sim = Simulation(SimConfig(seed=7, users=300, videos=60, days=5))
        >>> n = sum(1 for _ in sim.events())
        >>> sim.truth.to_json()["days"]
        5
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        seeds = np.random.SeedSequence(config.seed).spawn(2)
        self.platform = build_platform(config, np.random.default_rng(seeds[0]))
        users = self.platform.users + Farms.accounts(config)
        tags = hashtag_names(config.topics)
        names = Names(
            users=[f"u{i}" for i in range(users)],
            videos=[f"v{i}" for i in range(self.platform.videos)],
            hashtags=[[tags[t] for t in row] for row in self.platform.video_tags.tolist()],
        )
        self.truth = Truth(
            start=config.start, days=config.days, user_names=names.users, video_names=names.videos
        )
        self.truth.creator_of = self.platform.video_creator.tolist()
        self.world = World(
            users=users, creator_of=self.platform.video_creator.tolist(), truth=self.truth
        )
        self.executor = Executor(
            world=self.world,
            names=names,
            rng=random.Random(f"{config.seed}/executor"),
            behaviour=config.behaviour,
            glitches=config.glitches,
            id_prefix=f"s{config.seed}-",
        )
        Handlers(self.executor)
        world, ex = self.world, self.executor
        self.feed = Feed(
            self.platform, world=world, ex=ex, config=config, rng=np.random.default_rng(seeds[1])
        )
        self.planner = Planner(
            self.platform,
            world=world,
            ex=ex,
            config=config,
            rng=random.Random(f"{config.seed}/plan"),
        )
        self.farms = Farms(
            self.platform,
            world=world,
            ex=ex,
            config=config,
            rng=random.Random(f"{config.seed}/farms"),
        )
        self.counts: Counter[str] = Counter()  # events emitted, by type
        self.hours_done = 0
        self.version: str | None = None
        self._started = False

    @property
    def total_hours(self) -> int:
        """Hours in the run (for progress bars)."""
        return self.config.days * 24

    def events(self) -> Iterator[Event]:
        """The event stream in arrival order; may be consumed once."""
        if self._started:
            raise RuntimeError("a Simulation can be iterated only once; make a new one")
        self._started = True
        cfg = self.config
        self.planner.catalogue()
        updates = {
            cfg.start + d * DAY_MS + cfg.ranking_hour * HOUR_MS: i + 1
            for i, d in enumerate(cfg.update_days)
        }
        updates[cfg.start] = 0
        weights: Weights | None = None
        for day in range(cfg.days):
            self.planner.day(day)
            self.farms.day(day)
            for hour in range(24):
                start = cfg.start + day * DAY_MS + hour * HOUR_MS
                if start in updates:
                    weights = self._go_live(start, updates[start])
                assert weights is not None
                shown, likes = self.feed.hour(start, weights)
                self.executor.run_until(start + HOUR_MS, likes)
                self._impressions(start, shown)
                self.hours_done += 1
                yield from self._drain()
        self._finish()

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def write_truth(self, path: str | Path) -> None:
        """Write the ground truth as JSON (call after the events are exhausted)."""
        write_truth(self.truth, path)

    def _go_live(self, start: int, index: int) -> Weights:
        name, weights = version(index)
        self.version = name
        self.executor.emit(start, {"type": "ranking.version", "ts": start, "version": name})
        self.truth.ranking.append((name, start))
        return weights

    def _impressions(self, start: int, shown: dict[int, int]) -> None:
        ts, day, names = (
            start + HOUR_MS - 1,
            (start - self.config.start) // DAY_MS,
            self.executor.names,
        )
        for v in sorted(shown):
            if not self.world.live(v):
                continue  # deleted during the hour: the ledger would refuse the report
            event: Event = {
                "type": "impressions",
                "ts": ts,
                "video": names.videos[v],
                "count": shown[v],
            }
            if self.version is not None:
                event["version"] = self.version
            self.executor.emit(ts, event)
            self.truth.impressions[(v, day)] += shown[v]

    def _drain(self) -> list[Event]:
        out = self.executor.take()
        self.counts.update(event["type"] for event in out)
        return out

    def _finish(self) -> None:
        w = self.world
        self.truth.likes = {v: w.likes[v] for v in range(w.nv) if w.live(v)}
        creators = {w.creator[v] for v in range(w.nv) if w.published[v]}
        self.truth.totals = {c: w.totals[c] for c in sorted(creators) if w.usable(c)}
        self.truth.seal()


def simulate(config: SimConfig) -> Iterator[Event]:
    """The event stream of a run with ``config`` (use :class:`Simulation` to get the truth)."""
    return Simulation(config).events()
