"""The platform model: users with interests, creators, videos with hashtags and hidden quality.

Generated once from the seed with numpy and never changed during a run; the mutable,
ledger-mirroring state lives in :mod:`likeledger.sim.state`. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np

from .config import DAY_MS, HOUR_MS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .config import SimConfig

TOPICS: Final = (
    "dance", "comedy", "food", "pets", "fitness", "tech",
    "travel", "music", "fashion", "gaming", "diy", "science",
)  # fmt: skip
TAG_SUFFIXES: Final = ("", "challenge", "tips", "daily", "life", "tok")
PUBLIC, FRIENDS, PRIVATE = 0, 1, 2
VISIBILITY_NAMES: Final = ("public", "friends", "private")


@dataclass(frozen=True, slots=True, eq=False)
class Platform:
    """Who is on the platform and what they publish; indices are the simulation's ids."""

    users: int
    match: NDArray[np.float32]  # users x topics: interest relative to the favourite topic
    activity: NDArray[np.float64]  # relative sessions per day, mean 1
    creators: NDArray[np.int64]  # user indices of the creators
    video_creator: NDArray[np.int64]
    video_topic: NDArray[np.int64]
    video_tags: NDArray[np.int64]  # videos x 3 hashtag ids
    quality: NDArray[np.float64]  # hidden: drives the like probability
    completion: NDArray[np.float64]  # hidden: mean share of the video watched
    publish_ts: NDArray[np.int64]  # ascending: video i is published i-th
    visibility: NDArray[np.int8]  # PUBLIC, FRIENDS or PRIVATE at publication
    violating: NDArray[np.bool_]  # breaks the guidelines: moderation will act
    follows: NDArray[np.int64]  # initial follow edges, rows of (follower, followee)

    @property
    def videos(self) -> int:
        """Number of videos (published over the run)."""
        return len(self.video_creator)


def hashtag_names(topics: int) -> list[str]:
    """Display names of hashtag ids: id = topic * len(TAG_SUFFIXES) + suffix."""
    return [f"#{TOPICS[t % len(TOPICS)]}{s}" for t in range(topics) for s in TAG_SUFFIXES]


def build_platform(config: SimConfig, rng: np.random.Generator) -> Platform:
    """Draw users, creators, videos and the initial follow graph from ``rng``."""
    n, k = config.users, config.topics
    interest = rng.dirichlet(np.full(k, 0.3), size=n)
    match = (interest / interest.max(axis=1, keepdims=True)).astype(np.float32)
    activity = rng.lognormal(-0.32, 0.8, size=n)
    creators = np.sort(rng.choice(n, size=_creator_count(config), replace=False))
    popularity = rng.lognormal(0.0, 1.2, size=len(creators))
    main_topic = interest[creators].argmax(axis=1)
    videos = _videos(config, rng, popularity=popularity, main_topic=main_topic)
    vc = videos.creator_pos
    return Platform(
        users=n,
        match=match,
        activity=activity,
        creators=creators.astype(np.int64),
        video_creator=creators[vc].astype(np.int64),
        video_topic=videos.topic,
        video_tags=_tags(videos.topic, k, rng),
        quality=videos.quality,
        completion=videos.completion,
        publish_ts=videos.ts,
        visibility=_visibility(config, rng, violating=videos.violating),
        violating=videos.violating,
        follows=_follows(config, rng, interest=interest, creators=creators, pop=popularity),
    )


def _creator_count(config: SimConfig) -> int:
    return int(min(config.users, max(2, round(config.behaviour.creators * config.users))))


class _Catalogue(NamedTuple):
    creator_pos: NDArray[np.int64]
    topic: NDArray[np.int64]
    quality: NDArray[np.float64]
    completion: NDArray[np.float64]
    ts: NDArray[np.int64]
    violating: NDArray[np.bool_]


def _videos(
    config: SimConfig,
    rng: np.random.Generator,
    *,
    popularity: NDArray[np.float64],
    main_topic: NDArray[np.int64],
) -> _Catalogue:
    m = config.videos
    productivity = np.sqrt(popularity) * rng.lognormal(0.0, 0.7, size=len(popularity))
    creator_pos = rng.choice(len(popularity), size=m, p=productivity / productivity.sum())
    skill = rng.beta(2.0, 3.0, size=len(popularity))
    style = rng.normal(0.0, 0.15, size=len(popularity))  # long-form creators complete less
    own_topic = rng.random(m) < 0.8
    topic = np.where(own_topic, main_topic[creator_pos], rng.integers(0, config.topics, m))
    quality = np.clip(skill[creator_pos] + rng.normal(0.0, 0.12, m), 0.01, 0.99)
    completion = np.clip(
        0.35 + 0.4 * quality + style[creator_pos] + rng.normal(0.0, 0.08, m), 0.02, 0.98
    )
    ts = _publish_times(config, rng)
    return _Catalogue(
        creator_pos=creator_pos.astype(np.int64),
        topic=topic.astype(np.int64),
        quality=quality,
        completion=completion,
        ts=ts,
        violating=_violating(config, rng, ts),
    )


def _publish_times(config: SimConfig, rng: np.random.Generator) -> NDArray[np.int64]:
    """A third of the catalogue goes up in the first hours, the rest over the run."""
    m, span = config.videos, config.days * DAY_MS - 6 * HOUR_MS
    early = rng.random(m) < 0.3
    offset = np.where(
        early, rng.integers(0, 3 * HOUR_MS, m), rng.integers(0, max(span, 3 * HOUR_MS), m)
    )
    return np.sort(config.start + offset).astype(np.int64)


def _violating(
    config: SimConfig, rng: np.random.Generator, ts: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Violations among videos published early enough for moderation to act in the run."""
    share = config.scenario.violating
    flags = np.zeros(len(ts), dtype=np.bool_)
    window = np.flatnonzero(ts < config.start + int(0.6 * config.days * DAY_MS))
    if share <= 0 or len(window) == 0:
        return flags
    count = min(len(window), max(1, round(share * len(ts))))
    flags[rng.choice(window, size=count, replace=False)] = True
    return flags


def _visibility(
    config: SimConfig, rng: np.random.Generator, *, violating: NDArray[np.bool_]
) -> NDArray[np.int8]:
    b = config.behaviour
    draw = rng.random(config.videos)
    vis = np.where(
        draw < b.private, PRIVATE, np.where(draw < b.private + b.friends_only, FRIENDS, PUBLIC)
    )
    vis[violating] = PUBLIC  # moderation acts on what the public can see
    return vis.astype(np.int8)


def _tags(topic: NDArray[np.int64], topics: int, rng: np.random.Generator) -> NDArray[np.int64]:
    s, m = len(TAG_SUFFIXES), len(topic)
    own = topic * s + rng.integers(1, s, m)
    other = rng.integers(0, topics, m) * s + rng.integers(0, s, m)
    return np.stack([topic * s, own, other], axis=1).astype(np.int64)


def _follows(
    config: SimConfig,
    rng: np.random.Generator,
    *,
    interest: NDArray[np.float64],
    creators: NDArray[np.int64],
    pop: NDArray[np.float64],
) -> NDArray[np.int64]:
    """Users follow popular creators of the topics they like; some creators follow back."""
    n = config.users
    follower = np.repeat(np.arange(n), rng.poisson(config.behaviour.initial_follows, n))
    cum = interest[follower].cumsum(axis=1)
    topic = np.minimum((cum < rng.random(len(follower))[:, None]).sum(axis=1), config.topics - 1)
    by_topic = interest[creators].argmax(axis=1)
    followee = np.empty(len(follower), dtype=np.int64)
    for t in range(config.topics):
        slots = np.flatnonzero(topic == t)
        pool = np.flatnonzero(by_topic == t)
        if len(pool) == 0:
            pool = np.arange(len(creators))
        weights = pop[pool] / pop[pool].sum()
        followee[slots] = creators[pool[rng.choice(len(pool), size=len(slots), p=weights)]]
    back = rng.random(len(follower)) < config.behaviour.follow_back
    edges = np.concatenate(
        [np.stack([follower, followee], 1), np.stack([followee[back], follower[back]], 1)]
    )
    edges = edges[edges[:, 0] != edges[:, 1]]
    edges = np.unique(edges[:, 0] * n + edges[:, 1])
    rng.shuffle(edges)
    return np.stack([edges // n, edges % n], axis=1).astype(np.int64)
