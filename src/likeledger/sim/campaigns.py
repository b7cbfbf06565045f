"""Bot farms: campaigns of fake and hijacked accounts liking target videos in bursts.

Each campaign sells a package to one to three small creators: every account likes each of
their target videos (at least eight in all) within a couple of hours, plus camouflage likes
on popular videos. That is the dense accounts x videos block a real farm leaves, and the one
the integrity detector looks for. Unless ``Scenario.bots_flagged`` is 0 (the demo, where the
detector is the integrity team) the platform catches it later: fake accounts are flagged
(and mostly banned), hijacked ones get like-level flags; some flags are cleared on appeal.
The accounts are recorded as bots in the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import DAY_MS, HOUR_MS
from .executor import BOT

if TYPE_CHECKING:
    import random

    from .config import SimConfig
    from .executor import Executor
    from .model import Platform
    from .state import World

ACCOUNT_DETECTOR = "bot-farm-detector"
LIKE_DETECTOR = "like-burst-detector"


@dataclass(frozen=True, slots=True)
class Campaign:
    """One bot farm's plan: when it strikes and which account ids it owns."""

    day: int
    fakes: range


class Farms:
    """Plans and launches the bot campaigns of a run."""

    def __init__(
        self,
        platform: Platform,
        *,
        world: World,
        ex: Executor,
        config: SimConfig,
        rng: random.Random,
    ) -> None:
        self.p, self.world, self.ex, self.cfg, self.rng = platform, world, ex, config, rng
        size, n, span = (
            config.scenario.bots_per_campaign,
            config.bot_campaigns,
            max(1, config.days - 4),
        )
        self.campaigns = [
            Campaign(day=min(config.days - 1, 1 + (i * span) // max(1, n) + rng.randint(0, 1)),
                     fakes=range(platform.users + i * size, platform.users + (i + 1) * size))
            for i in range(n)
        ]  # fmt: skip

    @staticmethod
    def accounts(config: SimConfig) -> int:
        """How many fake accounts the farms need on top of the real users."""
        return config.bot_campaigns * config.scenario.bots_per_campaign

    def day(self, day: int) -> None:
        """Launch the campaigns that strike on ``day``."""
        for campaign in self.campaigns:
            if campaign.day == day:
                self._launch(campaign)

    def _launch(self, campaign: Campaign) -> None:
        rng, truth = self.rng, self.world.truth
        start = self.cfg.start + campaign.day * DAY_MS + rng.randint(6 * HOUR_MS, 16 * HOUR_MS)
        picked = self._target(start)
        if picked is None:
            return
        creators, targets = picked
        hijacked = self._hijack(round(len(campaign.fakes) * self.cfg.scenario.hijacked))
        truth.bots.update(campaign.fakes)
        truth.hijacked.update(hijacked)
        liked = self._strike([*campaign.fakes, *hijacked], targets, start)
        names = self.ex.names
        truth.incident(
            "bot_campaign",
            ts=start,
            creator=names.users[creators[0]],
            creators=[names.users[c] for c in creators],
            videos=[names.videos[v] for v in targets],
            fakes=len(campaign.fakes),
            hijacked=len(hijacked),
        )
        caught = start + 2 * HOUR_MS + rng.randint(DAY_MS, 3 * DAY_MS)
        for u in campaign.fakes:
            self._catch_fake(u, caught + rng.randrange(HOUR_MS))
        for u in hijacked:
            self._catch_hijacked(u, liked[u], caught + rng.randrange(HOUR_MS))

    def _strike(self, accounts: list[int], targets: list[int], start: int) -> dict[int, list[int]]:
        """Every account likes every target, and one or two popular videos as camouflage,
        within two hours of ``start``; returns what each account liked."""
        rng, camouflage = self.rng, self._popular(3)
        liked: dict[int, list[int]] = {}
        for u in accounts:
            videos = targets + rng.sample(camouflage, min(len(camouflage), rng.randint(1, 2)))
            liked[u] = videos
            for v in videos:
                self.ex.push(start + rng.randrange(2 * HOUR_MS), "like", a=u, b=v, text=BOT)
        return liked

    def _target(self, now: int) -> tuple[list[int], list[int]] | None:
        """The farm's customers: small creators (people buy likes because they have few),
        one to three of them and as many as it takes to reach eight target videos; up to six
        of each one's least-liked videos become targets."""
        w, rng = self.world, self.rng
        pool = {int(c) for c in rng.sample(self.p.creators.tolist(), min(60, self.p.creators.size))}
        ranked = sorted(pool, key=lambda c: (w.totals[c], c))
        creators: list[int] = []
        targets: list[int] = []
        wanted = rng.randint(1, 3)
        for c in ranked:
            mine = self._eligible(c, now)
            if not mine:
                continue
            creators.append(c)
            targets += sorted(mine, key=lambda v: (w.likes[v], v))[: rng.randint(3, 6)]
            if len(creators) >= wanted and len(targets) >= 8:
                break
        return (creators, targets) if targets else None

    def _eligible(self, c: int, now: int) -> list[int]:
        """Creator ``c``'s public, live, unmoderated videos published before ``now`` (none if
        the creator is not active)."""
        w = self.world
        if not w.active(c):
            return []
        mine = [
            v
            for v in w.videos_of.get(c, ())
            if w.live(v) and w.visibility[v] == "public" and w.moderation[v] is None
            and int(self.p.publish_ts[v]) < now
        ]  # fmt: skip
        return mine

    def _hijack(self, count: int) -> list[int]:
        w = self.world
        chosen = {self.rng.randrange(self.p.users) for _ in range(count * 2)}
        return sorted(u for u in chosen if w.active(u))[:count]

    def _popular(self, count: int) -> list[int]:
        w = self.world
        live = [
            v
            for v in range(w.nv)
            if w.live(v) and w.visibility[v] == "public" and w.moderation[v] is None
        ]
        return sorted(live, key=lambda v: (-w.likes[v], v))[:count]

    def _catch_fake(self, u: int, at: int) -> None:
        rng, s, push = self.rng, self.cfg.scenario, self.ex.push
        if rng.random() >= s.bots_flagged:
            return  # never caught
        push(at, "flag_user", a=u, note=ACCOUNT_DETECTOR)
        if rng.random() < s.flags_cleared:
            push(at + rng.randint(DAY_MS, 3 * DAY_MS), "clear_user", a=u, note="appeal")
        elif rng.random() < 0.5:
            push(
                at + rng.randint(HOUR_MS, DAY_MS),
                "status",
                a=u,
                text="banned",
                note="inauthentic behaviour",
            )

    def _catch_hijacked(self, u: int, videos: list[int], at: int) -> None:
        rng, s, push = self.rng, self.cfg.scenario, self.ex.push
        if rng.random() >= s.bots_flagged:
            return
        cleared = rng.random() < s.flags_cleared
        for v in videos:
            push(at, "flag_like", a=u, b=v, note=LIKE_DETECTOR)
            if cleared:
                push(at + rng.randint(DAY_MS, 3 * DAY_MS), "clear_like", a=u, b=v, note="appeal")
