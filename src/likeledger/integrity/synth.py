"""Seeded synthetic like tables with planted campaigns and organic viral bursts, for tests and
for bench/integrity_eval.py. Pure numpy; the same seed always gives the same table.

Background: Zipf-popular videos whose likes decay after publication, lognormal user activity,
accounts mostly older than the data. Campaigns: fake and hijacked accounts liking target videos
inside a short window, with optional camouflage likes (random or popularity-biased).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeledger.integrity.model import I32, I64, LikeTable

F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
T0 = 1_793_491_200_000  # 2026-11-01T00:00:00Z


@dataclass(frozen=True, slots=True)
class World:
    """A background like table plus what the injector needs to know about it."""

    user: I64
    video: I64
    ts: I64
    first_seen: I64
    creator_of_video: I32
    popularity: F64  # per video, sums to 1
    activity: F64  # per user, sums to 1
    days: int


@dataclass(frozen=True, slots=True)
class Plant:
    """One campaign to inject."""

    density: float
    accounts: int = 200
    targets: int = 200
    camouflage: str = "none"  # "none", "random" or "biased"
    ratio: float = 1.0  # camouflage likes per campaign like
    hijacked_share: float = 0.2
    min_window_ms: int = HOUR_MS
    max_window_ms: int = 12 * HOUR_MS


@dataclass(frozen=True, slots=True)
class Truth:
    """Ground truth: per like its planted campaign (-1 genuine); per user likewise."""

    like_campaign: NDArray[np.int16]
    user_campaign: NDArray[np.int16]
    viral_videos: I64

    @property
    def fake(self) -> Mask:
        fake: Mask = self.like_campaign >= 0
        return fake


def _zipf(rng: np.random.Generator, n: int, exponent: float) -> F64:
    weight = 1.0 / np.arange(1, n + 1) ** exponent
    p: F64 = rng.permutation(weight / weight.sum())
    return p


def background(n_likes: int, seed: int, *, days: int = 30) -> World:
    """`n_likes` organic likes over `days` days: one user per 10 likes, one video per 20."""
    rng = np.random.default_rng(seed)
    n_users, n_videos = max(n_likes // 10, 10), max(n_likes // 20, 10)
    popularity = _zipf(rng, n_videos, 1.0)
    activity = rng.lognormal(0.0, 1.2, n_users)
    activity /= activity.sum()
    horizon = days * DAY_MS
    published = rng.integers(-horizon, horizon, n_videos)
    lifetime = rng.lognormal(np.log(3 * DAY_MS), 1.0, n_videos)
    user, video, ts = _organic(rng, n_likes, popularity, activity, published, lifetime, horizon)
    first_seen = _first_seen(rng, user, ts, n_users)
    creators = rng.choice(
        max(n_videos // 10, 1), n_videos, p=_zipf(rng, max(n_videos // 10, 1), 0.8)
    )
    return World(
        user.astype(np.int64),
        video.astype(np.int64),
        ts,
        first_seen,
        creators.astype(np.int32),
        popularity,
        activity,
        days,
    )


def _organic(
    rng: np.random.Generator,
    n_likes: int,
    popularity: F64,
    activity: F64,
    published: I64,
    lifetime: F64,
    horizon: int,
) -> tuple[I64, I64, I64]:
    """Draw likes until `n_likes` distinct (user, video) pairs fall inside the horizon."""
    n_videos = popularity.shape[0]
    users, videos, times = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    while users.shape[0] < n_likes:
        draw = 2 * (n_likes - users.shape[0]) + 100
        video = rng.choice(n_videos, draw, p=popularity)
        ts = published[video] + rng.exponential(1.0, draw) * lifetime[video]
        ok = (ts >= 0) & (ts < horizon)
        user = rng.choice(activity.shape[0], draw, p=activity)
        users = np.concatenate([users, user[ok]])
        videos = np.concatenate([videos, video[ok]])
        times = np.concatenate([times, ts[ok].astype(np.int64) + T0])
        _, first = np.unique(users * n_videos + videos, return_index=True)
        first = np.sort(first)[:n_likes]
        users, videos, times = users[first], videos[first], times[first]
    return users, videos, times


def _first_seen(rng: np.random.Generator, user: I64, ts: I64, n_users: int) -> I64:
    """Accounts are created before their first like: 90% long before, 10% the same day."""
    first_like = np.full(n_users, T0 + 400 * DAY_MS, dtype=np.int64)
    np.minimum.at(first_like, user, ts)
    old = rng.random(n_users) < 0.9
    before = np.where(old, rng.integers(0, 365 * DAY_MS, n_users), rng.integers(0, DAY_MS, n_users))
    first_seen: I64 = np.minimum(first_like, T0 + 400 * DAY_MS) - before
    return first_seen


def viral(world: World, rng: np.random.Generator, n_bursts: int) -> tuple[I64, I64, I64]:
    """Hard negatives: popular videos that 2,000-10,000 distinct genuine users like within hours."""
    top = np.argsort(-world.popularity)[: max(n_bursts * 20, 1)]
    videos = rng.choice(top, n_bursts, replace=False)
    empty = np.zeros(0, dtype=np.int64)
    users, vids, times = [empty], [empty], [empty]
    for v in videos.tolist():
        size = int(rng.integers(2000, 10001))
        liker = np.unique(rng.choice(world.activity.shape[0], size, p=world.activity))
        start = T0 + int(rng.integers(DAY_MS, (world.days - 1) * DAY_MS))
        users.append(liker)
        vids.append(np.full(liker.shape[0], v))
        times.append(start + np.asarray(rng.exponential(30 * 60_000, liker.shape[0]), np.int64))
    return np.concatenate(users), np.concatenate(vids), np.concatenate(times)


def _campaign(
    world: World, rng: np.random.Generator, plant: Plant, first_fake: int, veterans: I64
) -> tuple[I64, I64, I64, I64, I64]:
    """Likes of one campaign: (user, video, ts), and its fake accounts with their first_seen."""
    horizon = world.days * DAY_MS
    start = T0 + int(rng.integers(3 * DAY_MS, horizon - 3 * DAY_MS))
    end = start + int(rng.integers(plant.min_window_ms, plant.max_window_ms + 1))
    n_hijacked = round(plant.accounts * plant.hijacked_share)
    fakes = first_fake + np.arange(plant.accounts - n_hijacked, dtype=np.int64)
    fake_seen = start - rng.integers(0, 3 * DAY_MS, fakes.shape[0])
    bots = np.concatenate([fakes, rng.choice(veterans, n_hijacked, replace=False)])
    targets = rng.choice(world.popularity.shape[0], plant.targets, replace=False)
    hit = rng.random((plant.accounts, plant.targets)) < plant.density
    b_idx, t_idx = np.nonzero(hit)
    user, video = bots[b_idx], targets[t_idx]
    ts = rng.integers(start, end + 1, user.shape[0])
    cam_u, cam_v, cam_t = _camouflage(world, rng, plant, user, (start, end))
    is_fake = np.isin(cam_u, fakes)
    seen = np.zeros(world.activity.shape[0] + first_fake, dtype=np.int64)
    seen[fakes - first_fake] = fake_seen
    lo = np.where(is_fake, seen[np.maximum(cam_u - first_fake, 0)], start)
    hi = np.where(is_fake, T0 + horizon, end)
    cam_t = lo + (cam_t * (hi - lo)).astype(np.int64)
    return (
        np.concatenate([user, cam_u]),
        np.concatenate([video, cam_v]),
        np.concatenate([ts, cam_t]),
        fakes,
        fake_seen,
    )


def _camouflage(
    world: World, rng: np.random.Generator, plant: Plant, user: I64, window: tuple[int, int]
) -> tuple[I64, I64, F64]:
    """`ratio` camouflage likes per campaign like, per bot; times as fractions in [0, 1)."""
    del window
    if plant.camouflage == "none" or user.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    n = round(user.shape[0] * plant.ratio)
    cam_u = rng.choice(user, n)  # a bot camouflages in proportion to its campaign likes
    p = world.popularity if plant.camouflage == "biased" else None
    cam_v = rng.choice(world.popularity.shape[0], n, p=p)
    return cam_u, cam_v.astype(np.int64), rng.random(n)


def build(
    world: World, plants: list[Plant], seed: int, *, n_viral: int = 5
) -> tuple[LikeTable, Truth]:
    """The background plus viral bursts plus the planted campaigns, as one like table.

    A planted like on a pair the background already has is dropped (a pair is liked once).
    """
    rng = np.random.default_rng([seed, 7])
    n_users = world.activity.shape[0]
    v_user, v_video, v_ts = viral(world, rng, n_viral)
    veterans = np.flatnonzero(np.bincount(world.user, minlength=n_users) >= 5)
    parts = [(world.user, world.video, world.ts, -1), (v_user, v_video, v_ts, -1)]
    seen_parts, next_id = [world.first_seen], n_users
    for k, plant in enumerate(plants):
        user, video, ts, fakes, fake_seen = _campaign(world, rng, plant, next_id, veterans)
        veterans = np.setdiff1d(veterans, user)
        parts.append((user, video, ts, k))
        seen_parts.append(fake_seen)
        next_id += fakes.shape[0]
    user = np.concatenate([p[0] for p in parts])
    video = np.concatenate([p[1] for p in parts])
    ts = np.concatenate([p[2] for p in parts])
    label = np.concatenate([np.full(p[0].shape[0], p[3], dtype=np.int16) for p in parts])
    _, keep = np.unique(user * world.popularity.shape[0] + video, return_index=True)
    keep = keep[np.argsort(ts[keep], kind="stable")]
    user, video, ts, label = user[keep], video[keep], ts[keep], label[keep]
    user_campaign = np.full(next_id, -1, dtype=np.int16)
    user_campaign[user[label >= 0]] = label[label >= 0]
    table = LikeTable(
        user.astype(np.int32),
        video.astype(np.int32),
        ts,
        first_seen_ts=np.concatenate(seen_parts),
        creator_of_video=world.creator_of_video,
    )
    return table, Truth(label, user_campaign, np.unique(v_video))
