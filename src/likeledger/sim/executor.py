"""Turns intents (what agents want to do, and when it reaches the server) into events.

Intents wait in one priority queue ordered by arrival time. When an intent arrives the
executor asks the :class:`~likeledger.sim.state.World` whether the ledger would accept it,
emits the event dict, applies it, and injects delivery glitches (retries, reordering,
lost-and-resent requests) at the configured rates.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any, NamedTuple

from .state import ACTIVE

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Sequence

    from .config import Behaviour, Glitches
    from .state import World

Event = dict[str, Any]
ORGANIC, BOT, LATE, FORCE = "", "bot", "late", "force"  # Intent.text of like/unlike
_SECOND, _MINUTE, _HOUR = 1000, 60_000, 3_600_000


class Intent(NamedTuple):
    """Something an agent does. ``at`` is when it reaches the server, ``ts`` when it happened."""

    at: int
    seq: int
    kind: str
    ts: int
    a: int = -1
    b: int = -1
    text: str = ""
    note: str = ""
    event: Event | None = None


class Names(NamedTuple):
    """Wire names of simulation ids."""

    users: list[str]
    videos: list[str]
    hashtags: list[list[str]]  # per video


class Executor:
    """The delivery queue plus the like/unlike logic; scenario handlers plug in by kind."""

    def __init__(
        self,
        *,
        world: World,
        names: Names,
        rng: random.Random,
        behaviour: Behaviour,
        glitches: Glitches,
        id_prefix: str,
    ) -> None:
        self.world, self.names, self.rng = world, names, rng
        self.behaviour, self.glitches = behaviour, glitches
        self.queue: list[Intent] = []
        self.out: list[Event] = []
        self.seq = 0
        self.next_id = 0
        self.id_prefix = id_prefix
        self.watched: dict[int, int] = {}  # pair -> latest applied like/unlike ts
        self.new_likes: list[int] = []  # videos that got a `like` applied (ranker signal)
        self.handlers: dict[str, Callable[[Intent], None]] = {
            "like": self._like,
            "unlike": self._unlike,
            "replay": self._replay,
        }

    # -- queue ---------------------------------------------------------------------------

    def push(
        self,
        at: int,
        kind: str,
        *,
        ts: int | None = None,
        a: int = -1,
        b: int = -1,
        text: str = "",
        note: str = "",
        event: Event | None = None,
    ) -> None:
        """Schedule an intent arriving at ``at`` (its ``ts`` defaults to ``at``)."""
        self.seq += 1
        intent = Intent(at, self.seq, kind, at if ts is None else ts, a, b, text, note, event)
        heapq.heappush(self.queue, intent)

    def run_until(self, end: int, likes: Sequence[tuple[int, int, int]] = ()) -> None:
        """Deliver every intent arriving before ``end`` in arrival order, merged with
        ``likes``: the hour's organic likes as ``(at, user, video)`` sorted by ``at``.

        The likes bypass the heap (they are most of the traffic); on equal ``at`` queued
        intents go first.
        """
        queue, handlers, organic = self.queue, self.handlers, self._organic_like
        i, n = 0, len(likes)
        while True:
            if queue and queue[0].at < end and (i == n or queue[0].at <= likes[i][0]):
                intent = heapq.heappop(queue)
                handlers[intent.kind](intent)
            elif i < n:
                organic(*likes[i])
                i += 1
            else:
                return

    def take(self) -> list[Event]:
        """The events emitted since the last call, in arrival order."""
        out, self.out = self.out, []
        return out

    # -- emission ------------------------------------------------------------------------

    def emit(self, at: int, event: Event) -> None:
        """Give ``event`` an id, append it, and maybe have the client send it again."""
        self.next_id += 1
        event["id"] = f"{self.id_prefix}{self.next_id}"
        self.out.append(event)
        if self.rng.random() < self.glitches.retry:
            self.push(at + self.rng.randint(200, 20 * _SECOND), "replay", event=event)

    def _replay(self, intent: Intent) -> None:
        assert intent.event is not None
        self.out.append(intent.event)

    # -- likes ---------------------------------------------------------------------------

    def _organic_like(self, at: int, u: int, v: int) -> None:
        """A viewer taps like on a video the feed showed them."""
        w = self.world
        if w.status[u] != ACTIVE or w.hidden(u, v) is not None or w.edges.get(u * w.nv + v, 0) & 1:
            return  # a viewer who cannot see it, or already likes it, does not tap like
        if self.rng.random() < self.glitches.reorder + self.glitches.lost:
            self._glitched_like(Intent(at, 0, "like", at, u, v))
            return
        self._deliver(at, u, v, ts=at, on=True)
        self._after_like(at, u, v)

    def _like(self, intent: Intent) -> None:
        """A bot's like, or a late delivery of an earlier like."""
        w, u, v = self.world, intent.a, intent.b
        if not w.can_like(u, v) or (intent.text != LATE and w.is_liked(u, v)):
            return
        self._deliver(intent.at, u, v, ts=intent.ts, on=True)

    def _unlike(self, intent: Intent) -> None:
        w, u, v = self.world, intent.a, intent.b
        if not (w.active(u) and w.live(v)):
            return
        if intent.text == ORGANIC:
            if not w.is_liked(u, v):
                return
            if self.rng.random() < self.glitches.lost:
                self._resend_later(intent)
                return
        self._deliver(intent.at, u, v, ts=intent.ts, on=False)

    def _deliver(self, at: int, u: int, v: int, *, ts: int, on: bool) -> None:
        event = {"type": "like" if on else "unlike", "ts": ts}
        event["user"], event["video"] = self.names.users[u], self.names.videos[v]
        self.emit(at, event)
        key = u * self.world.nv + v
        last = self.watched.get(key)
        if last is not None:
            if ts < last:
                return  # stale: an older request arriving late changes nothing
            self.watched[key] = ts
        self.world.like(u, v, ts=ts, on=on)
        if on:
            self.new_likes.append(v)

    def _glitched_like(self, intent: Intent) -> None:
        if self.rng.random() * (self.glitches.reorder + self.glitches.lost) < self.glitches.reorder:
            # liked, changed their mind at once; the unlike overtakes the like
            back = intent.at + self.rng.randint(2 * _SECOND, 60 * _SECOND)
            self._watch(intent)
            self.push(back, "unlike", a=intent.a, b=intent.b, text=FORCE)
            late = back + self.rng.randint(1 * _SECOND, 5 * _MINUTE)
            self.push(late, "like", ts=intent.ts, a=intent.a, b=intent.b, text=LATE)
        else:
            self._resend_later(intent)

    def _resend_later(self, intent: Intent) -> None:
        self._watch(intent)
        at = intent.at + self.rng.randint(5 * _MINUTE, 6 * _HOUR)
        self.push(at, intent.kind, ts=intent.ts, a=intent.a, b=intent.b, text=LATE)

    def _watch(self, intent: Intent) -> None:
        self.watched.setdefault(intent.a * self.world.nv + intent.b, -1)

    def _after_like(self, at: int, u: int, v: int) -> None:
        b, rng = self.behaviour, self.rng
        if rng.random() < b.unlike:
            delay = int(rng.expovariate(1.0 / (36 * _HOUR))) + _MINUTE
            self.push(at + delay, "unlike", a=u, b=v)
        c = self.world.creator[v]
        if rng.random() < b.follow_on_like and c != u and not self.world.follows_(u, c):
            self.push(at + rng.randint(1 * _SECOND, 30 * _SECOND), "follow", a=u, b=c)
            if rng.random() < b.follow_back:
                self.push(at + rng.randint(_HOUR, 30 * _HOUR), "follow", a=c, b=u)
