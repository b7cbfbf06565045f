"""Scenario planning: publishing, the initial follow graph, moderation and appeals, privacy
switches, video deletions, blocks and account lifecycles.

Plans become intents in the executor's queue; whether they still make sense when they
arrive (the account may be gone, the video deleted) is the handlers' business. Bot farms
live in :mod:`likeledger.sim.campaigns`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .config import DAY_MS, HOUR_MS
from .executor import Intent
from .model import VISIBILITY_NAMES

if TYPE_CHECKING:
    import random

    from .config import SimConfig
    from .executor import Executor
    from .model import Platform
    from .state import World

POLICIES: Final = (
    "community-guidelines/dangerous-acts",
    "community-guidelines/spam",
    "community-guidelines/harassment",
    "community-guidelines/adult-content",
    "intellectual-property/copyright",
)
# Scenario rate field -> (status it sets, reason, Scenario field: share that comes back)
LIFECYCLE: Final = {
    "deactivations_per_day": ("deactivated", "", "deactivation_returns"),
    "suspensions_per_day": ("suspended", "community-guidelines/spam", "reinstated"),
    "bans_per_day": ("banned", "repeated violations", ""),
    "deletions_per_day": ("deleted", "user request", ""),
}


class Planner:
    """Schedules everything but viewing and bot farms, from its own seeded ``rng``."""

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
        self.quota = {kind: self._spread(getattr(config.scenario, kind)) for kind in LIFECYCLE}
        self.blocks = self._spread(config.scenario.blocks_per_day)

    def _spread(self, per_user_day: float) -> list[int]:
        """Per-day counts of an incident: at least one per run when the rate is positive."""
        days = self.cfg.days
        if per_user_day <= 0 or days < 3:
            return [0] * days
        total = max(1, round(per_user_day * self.cfg.users * days))
        out = [0] * days
        for _ in range(total):
            out[self.rng.randint(1, days - 2)] += 1
        return out

    # -- the catalogue, planned once -------------------------------------------------------

    def catalogue(self) -> None:
        """The initial follow graph (emitted now, at the start), every publication, and
        what later happens to the videos."""
        start, push = self.cfg.start, self.ex.push
        follow = self.ex.handlers["follow"]
        for a, b in self.p.follows.tolist():  # the graph as it stands when the run starts
            follow(Intent(start, 0, "follow", start, a, b))
        for v, ts in enumerate(self.p.publish_ts.tolist()):
            push(ts, "publish", a=v, text=VISIBILITY_NAMES[int(self.p.visibility[v])])
        s = self.cfg.scenario
        for v in self.rng.sample(range(self.p.videos), self._count(s.privacy_switches)):
            self._privacy(v)
        for v in self.rng.sample(range(self.p.videos), self._count(s.videos_deleted)):
            at = int(self.p.publish_ts[v]) + self.rng.randint(12 * HOUR_MS, 8 * DAY_MS)
            push(at, "delete_video", a=v)
        for v in self.p.violating.nonzero()[0].tolist():
            self._moderation(v)

    def _count(self, share: float) -> int:
        return min(self.p.videos, round(share * self.p.videos))

    def _privacy(self, v: int) -> None:
        rng, push = self.rng, self.ex.push
        at = int(self.p.publish_ts[v]) + rng.randint(6 * HOUR_MS, 5 * DAY_MS)
        target = "private" if rng.random() < 0.3 else "friends"
        push(at, "visibility", a=v, text=target)
        if rng.random() < 0.4:
            push(at + rng.randint(HOUR_MS, 4 * DAY_MS), "visibility", a=v, text="public")

    def _moderation(self, v: int) -> None:
        rng, push, s = self.rng, self.ex.push, self.cfg.scenario
        at = int(self.p.publish_ts[v]) + rng.randint(12 * HOUR_MS, 60 * HOUR_MS)
        first = v == int(self.p.violating.nonzero()[0][0])  # every run has a removal
        action = "remove" if first or rng.random() >= s.restricted else "restrict"
        push(at, "moderation", a=v, text=action, note=rng.choice(POLICIES))
        if first or rng.random() < s.restored:  # the appeal succeeds
            push(
                at + rng.randint(DAY_MS, 4 * DAY_MS),
                "moderation",
                a=v,
                text="restore",
                note="appeal granted",
            )

    # -- each day -------------------------------------------------------------------------

    def day(self, day: int) -> None:
        """Plan the day's blocks, unfollows and account incidents."""
        start = self.cfg.start + day * DAY_MS
        for _ in range(self.blocks[day]):
            self._block(start + self.rng.randrange(DAY_MS))
        for _ in range(self._poisson(self.cfg.behaviour.unfollows_per_day * self.cfg.users)):
            self._unfollow(start + self.rng.randrange(DAY_MS))
        for kind, (status, reason, returns) in LIFECYCLE.items():
            for _ in range(self.quota[kind][day]):
                back = getattr(self.cfg.scenario, returns) if returns else 0.0
                self._lifecycle(start + self.rng.randrange(DAY_MS), status, reason, back)

    def _poisson(self, lam: float) -> int:
        # Knuth's method is fine for the small rates used here and keeps one rng stream.
        count, threshold, product = 0, pow(2.718281828459045, -min(lam, 50.0)), self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    def _liker(self) -> int | None:
        """A random active real user who currently likes something (so counts move)."""
        w = self.world
        for _ in range(40):
            u = self.rng.randrange(self.p.users)
            if w.active(u) and w.edge_videos[u] and w.liked_videos(u):
                return u
        return None

    def _block(self, at: int) -> None:
        u = self._liker()
        if u is None:
            return
        w = self.world
        c = w.creator[self.rng.choice(w.liked_videos(u))]
        if c == u:
            return
        a, b = (u, c) if self.rng.random() < 0.5 else (c, u)
        self.ex.push(at, "block", a=a, b=b)
        if self.rng.random() < self.cfg.scenario.unblocked:
            self.ex.push(at + self.rng.randint(HOUR_MS, 6 * DAY_MS), "unblock", a=a, b=b)

    def _unfollow(self, at: int) -> None:
        c = int(self.rng.choice(self.p.creators.tolist()))
        followers = self.world.followers.get(c)
        if followers:
            self.ex.push(at, "unfollow", a=self.rng.choice(sorted(followers)), b=c)

    def _lifecycle(self, at: int, status: str, reason: str, comes_back: float) -> None:
        w = self.world
        u: int | None = None
        if status == "deleted" and self.rng.random() < 0.5:
            u = int(self.rng.choice(self.p.creators.tolist()))
            u = u if w.active(u) and w.videos_of.get(u) else None
        u = u if u is not None else self._liker()
        if u is None:
            return
        self.ex.push(at, "status", a=u, text=status, note=reason)
        if self.rng.random() < comes_back:
            back = at + int(self.rng.expovariate(1 / (3 * DAY_MS))) + HOUR_MS
            self.ex.push(back, "reinstate", a=u, text=status)
