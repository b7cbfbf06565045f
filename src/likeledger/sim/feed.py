"""One hour of viewing: who opens the app, what the ranker shows them, what they like.

Vectorised with numpy: sessions x candidate pool score matrices, Gumbel top-k feeds,
per-impression like draws. Followers also see friends-only and restricted videos through
their following tab. Likes become intents for the executor; impressions are returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .config import DAY_MS, HOUR_MS
from .ranker import base_scores, pick_pool, rank_feeds
from .state import ACTIVE

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .config import SimConfig
    from .executor import Executor
    from .model import Platform
    from .ranker import Weights
    from .state import World

_POOL_TOP, _POOL_EXPLORE, _ITEM_MS = 280, 120, 20_000
Like = tuple[int, int, int]  # (ts, user, video)


class Feed:
    """Ranker signals and the hourly viewing loop."""

    def __init__(
        self,
        platform: Platform,
        *,
        world: World,
        ex: Executor,
        config: SimConfig,
        rng: np.random.Generator,
    ) -> None:
        self.p, self.world, self.ex, self.cfg, self.rng = platform, world, ex, config, rng
        m = platform.videos
        self.for_you = np.zeros(m, dtype=np.bool_)  # may be recommended to anyone
        self.side: set[int] = set()  # friends-only or restricted: only followers may see them
        self.impressions = np.zeros(m)
        self.likes = np.zeros(m)
        self.tag_heat = np.zeros(int(platform.video_tags.max()) + 1)
        self.weight = platform.activity.copy()  # session weight; 0 while inactive
        self.follow_matrix: sp.csr_matrix | None = None
        self.follows_at_build = -1
        self.publish_hours = (platform.publish_ts - config.start) / HOUR_MS
        self.follower_lists: dict[int, list[int]] = {}

    def hour(self, start: int, weights: Weights) -> tuple[dict[int, int], list[Like]]:
        """Simulate the hour from ``start``.

        Returns:
            Impressions per video, and the likes viewers tap as ``(ts, user, video)``
            sorted by ts (the executor decides whether each is still possible).
        """
        self._refresh()
        shown: dict[int, int] = {}
        likes: list[Like] = []
        self._for_you(start, weights, shown, likes)
        self._following(start, shown, likes)
        likes.sort()
        return shown, likes

    # -- signals -------------------------------------------------------------------------

    def _refresh(self) -> None:
        w = self.world
        for v in w.dirty:
            self.for_you[v] = w.live(v) and w.active(w.creator[v]) and w.visibility[v] == "public"
            self.for_you[v] &= w.moderation[v] is None
            if (
                w.live(v)
                and w.moderation[v] != "removed"
                and w.visibility[v] != "private"
                and not self.for_you[v]
            ):
                self.side.add(v)
            else:
                self.side.discard(v)
        w.dirty.clear()
        for u in w.status_dirty:
            if u < self.p.users:
                self.weight[u] = self.p.activity[u] if w.active(u) else 0.0
        w.status_dirty.clear()
        liked = np.asarray(self.ex.new_likes, dtype=np.int64)
        self.ex.new_likes.clear()
        np.add.at(self.likes, liked, 1.0)
        self.tag_heat *= 0.92
        np.add.at(self.tag_heat, self.p.video_tags[liked].ravel(), 1.0)
        if len(w.follows) > 1.02 * self.follows_at_build + 10:
            self._build_follow_matrix()

    def _build_follow_matrix(self) -> None:
        nu = self.world.nu
        keys = np.fromiter(self.world.follows, dtype=np.int64, count=len(self.world.follows))
        data = np.ones(len(keys), dtype=np.float32)
        self.follow_matrix = sp.csr_matrix((data, (keys // nu, keys % nu)), shape=(nu, nu))
        self.follows_at_build = len(keys)

    # -- For You -------------------------------------------------------------------------

    def _for_you(
        self, start: int, weights: Weights, shown: dict[int, int], likes: list[Like]
    ) -> None:
        candidates = np.flatnonzero(self.for_you)
        users = self._sessions(start)
        if len(candidates) == 0 or len(users) == 0:
            return
        age = np.maximum(
            start / HOUR_MS - self.cfg.start / HOUR_MS - self.publish_hours[candidates], 0
        )
        imps = self.impressions[candidates]
        completion = (self.p.completion[candidates] * imps + 10.0) / (imps + 20.0)
        base = base_scores(
            weights,
            age_hours=age,
            like_rate=(self.likes[candidates] + 1.0) / (imps + 40.0),
            completion=completion,
            trend=self.tag_heat[self.p.video_tags[candidates]].mean(axis=1),
        )
        n = len(candidates)
        top, explore = min(_POOL_TOP, max(40, n // 10)), min(_POOL_EXPLORE, max(20, n // 25))
        cols = pick_pool(base, fresh=age < 24, top=top, explore=explore, rng=self.rng)
        pool = candidates[cols]
        interest = self.p.match[users][:, self.p.video_topic[pool]]
        feeds = rank_feeds(
            weights,
            base=base[cols],
            interest=interest,
            follows=self._follow_boost(users, pool),
            length=self.cfg.behaviour.feed_length,
            rng=self.rng,
        )
        self._watch(start, users, pool[feeds], shown, likes)

    def _sessions(self, start: int) -> NDArray[np.int64]:
        hour_of_day = (start // HOUR_MS) % 24
        diurnal = 1.0 + 0.6 * np.sin(2 * np.pi * (hour_of_day - 14) / 24)
        total = float(self.weight.sum())
        lam = self.cfg.behaviour.sessions_per_day / 24 * diurnal * total
        count = int(self.rng.poisson(lam)) if total > 0 else 0
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        return self.rng.choice(self.p.users, size=count, p=self.weight / total).astype(np.int64)

    def _follow_boost(
        self, users: NDArray[np.int64], pool: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The (session, pool column) cells where the viewer follows the creator."""
        if self.follow_matrix is None:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        ones = np.ones(len(pool), dtype=np.float32)
        cells = (self.p.video_creator[pool], np.arange(len(pool)))
        owner = sp.csr_matrix((ones, cells), shape=(self.world.nu, len(pool)))
        hits = (self.follow_matrix[users] @ owner).tocoo()
        return hits.row.astype(np.int64), hits.col.astype(np.int64)

    def _watch(
        self,
        start: int,
        users: NDArray[np.int64],
        feeds: NDArray[np.int64],
        shown: dict[int, int],
        likes: list[Like],
    ) -> None:
        sessions, length = feeds.shape
        viewer = np.repeat(users, length)
        video = feeds.ravel()
        keep = self._not_blocked(viewer, video)
        viewer, video = viewer[keep], video[keep]
        position = np.tile(np.arange(length), sessions)[keep]
        opened = np.repeat(self.rng.integers(0, HOUR_MS - length * _ITEM_MS, sessions), length)[
            keep
        ]
        counts = np.bincount(video, minlength=len(self.impressions))
        seen = np.flatnonzero(counts)
        self.impressions[seen] += counts[seen]
        for v, n in zip(seen.tolist(), counts[seen].tolist(), strict=True):
            shown[v] = shown.get(v, 0) + n
        liked = self.rng.random(len(video)) < self._like_probability(viewer, video)
        ts = (
            start
            + opened[liked]
            + position[liked] * _ITEM_MS
            + self.rng.integers(2000, _ITEM_MS, int(liked.sum()))
        )
        likes.extend(zip(ts.tolist(), viewer[liked].tolist(), video[liked].tolist(), strict=True))

    def _not_blocked(
        self, viewer: NDArray[np.int64], video: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        keep = np.ones(len(viewer), dtype=np.bool_)
        peers = self.world.block_peers
        if not any(peers.values()):
            return keep
        creators = self.p.video_creator
        for i in np.flatnonzero(np.isin(viewer, [u for u, s in peers.items() if s])).tolist():
            keep[i] = int(creators[video[i]]) not in peers[int(viewer[i])]
        return keep

    def _like_probability(
        self, viewer: NDArray[np.int64], video: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        match = self.p.match[viewer, self.p.video_topic[video]].astype(np.float64)
        quality = self.p.quality[video]
        b = self.cfg.behaviour
        affinity = 1.0 - b.interest_weight * (0.85 - 0.85 * match**2)
        p: NDArray[np.float64] = b.like_scale * affinity * np.minimum(2.5 * quality, 2.0)
        return p

    # -- following tab -------------------------------------------------------------------

    def _following(self, start: int, shown: dict[int, int], likes: list[Like]) -> None:
        """Followers see friends-only and restricted videos of the creators they follow."""
        w, rng = self.world, self.rng
        if start % DAY_MS == 0:
            self.follower_lists.clear()  # a day-old snapshot is good enough for sampling
        side = sorted(self.side)
        lists = [self._followers_of(w.creator[v]) for v in side]
        views = rng.poisson(0.02 * np.array([len(f) for f in lists], dtype=np.float64))
        viewers: list[int] = []
        videos: list[int] = []
        for v, pool, k in zip(side, lists, views.tolist(), strict=True):
            if k:
                for i in rng.integers(0, len(pool), size=k).tolist():
                    u = pool[i]
                    if w.status[u] == ACTIVE and w.hidden(u, v) is None:
                        viewers.append(u)
                        videos.append(v)
        if not videos:
            return
        for v in videos:
            shown[v] = shown.get(v, 0) + 1
        viewer, video = np.array(viewers, dtype=np.int64), np.array(videos, dtype=np.int64)
        np.add.at(self.impressions, video, 1.0)
        liked = rng.random(len(video)) < self._like_probability(viewer, video)
        ts = start + rng.integers(0, HOUR_MS, int(liked.sum()))
        likes.extend(zip(ts.tolist(), viewer[liked].tolist(), video[liked].tolist(), strict=True))

    def _followers_of(self, creator: int) -> list[int]:
        found = self.follower_lists.get(creator)
        if found is None:
            n = self.p.users  # fake accounts never open the app
            found = sorted(u for u in self.world.followers.get(creator, ()) if u < n)
            self.follower_lists[creator] = found
        return found
