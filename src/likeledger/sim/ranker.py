"""The For You ranker: a configurable scoring function with versioned weights.

A video's score for a viewer is a weighted sum of interest match, like rate, completion,
recency, hashtag trend and a follow boost, plus Gumbel noise for exploration. Versions
shift the weights, which moves exposure between creators. Pure numpy: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Weights:
    """One ranking version's weights; features are scaled to [0, 1] before weighting."""

    interest: float
    like_rate: float
    completion: float
    recency: float
    trend: float
    follow: float
    temperature: float = 0.3  # scale of the Gumbel exploration noise
    recency_hours: float = 36.0


VERSIONS: Final[tuple[tuple[str, Weights], ...]] = (
    (
        "r1",
        Weights(interest=1.0, like_rate=1.0, completion=0.3, recency=0.6, trend=0.3, follow=0.5),
    ),
    # r2 rewards watch-through over likes: long-form creators lose reach.
    (
        "r2",
        Weights(interest=1.0, like_rate=0.3, completion=1.4, recency=0.6, trend=0.3, follow=0.5),
    ),
    # r3 chases trends and freshness and cares less about who you follow.
    (
        "r3",
        Weights(interest=1.0, like_rate=0.5, completion=0.9, recency=1.1, trend=1.1, follow=0.1),
    ),
    (
        "r4",
        Weights(interest=1.2, like_rate=0.9, completion=0.6, recency=0.8, trend=0.5, follow=0.6),
    ),
)


def version(index: int) -> tuple[str, Weights]:
    """The ``index``-th version (0-based); past the table the weights cycle, names go on."""
    _, weights = VERSIONS[index % len(VERSIONS)]
    return f"r{index + 1}", weights


def percentile(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rank of each value scaled to [0, 1] (ties broken by position)."""
    n = len(values)
    if n < 2:
        return np.zeros(n)
    ranks = np.empty(n)
    ranks[values.argsort(kind="stable")] = np.arange(n)
    return ranks / (n - 1)


def base_scores(
    w: Weights,
    *,
    age_hours: NDArray[np.float64],
    like_rate: NDArray[np.float64],
    completion: NDArray[np.float64],
    trend: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The viewer-independent part of the score, for every candidate video."""
    return (
        w.like_rate * percentile(like_rate)
        + w.completion * percentile(completion)
        + w.recency * np.exp(-age_hours / w.recency_hours)
        + w.trend * percentile(trend)
    )


def pick_pool(
    base: NDArray[np.float64],
    *,
    fresh: NDArray[np.bool_],
    top: int,
    explore: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Candidate positions for this hour: the best by base score, plus fresh and random ones."""
    n = len(base)
    if n <= top + explore:
        return np.arange(n, dtype=np.int64)
    best = np.argpartition(-base, top)[:top]
    rest = np.setdiff1d(np.arange(n), best, assume_unique=True)
    new = rest[fresh[rest]]
    extra = rng.choice(new, size=min(len(new), explore // 2), replace=False)
    others = np.setdiff1d(rest, extra, assume_unique=True)
    extra2 = rng.choice(others, size=min(len(others), explore - len(extra)), replace=False)
    pool: NDArray[np.int64] = np.concatenate([best, extra, extra2]).astype(np.int64)
    return pool


def rank_feeds(
    w: Weights,
    *,
    base: NDArray[np.float64],
    interest: NDArray[np.float32],
    follows: tuple[NDArray[np.int64], NDArray[np.int64]],
    length: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Each session's feed: ``length`` pool columns per row (sessions x pool), best first.

    ``interest`` is the viewers' match with each pool video's topic; ``follows`` holds the
    (row, column) cells where the viewer follows the video's creator. The matrix work is
    done in place in float32: it is the simulator's hottest numpy code.
    """
    sessions, pool = interest.shape
    score = interest * np.float32(w.interest)
    score += base.astype(np.float32)
    rows, cols = follows
    score[rows, cols] += np.float32(w.follow)
    noise = rng.random((sessions, pool), dtype=np.float32)
    noise += np.float32(1e-12)
    np.log(noise, out=noise)
    np.negative(noise, out=noise)
    np.log(noise, out=noise)  # -Gumbel
    noise *= np.float32(w.temperature)
    score -= noise
    length = min(length, pool)
    top = np.argpartition(score, pool - length, axis=1)[:, pool - length :]
    order = np.argsort(np.take_along_axis(score, top, axis=1), axis=1)[:, ::-1]
    feeds: NDArray[np.int64] = np.take_along_axis(top, order, axis=1).astype(np.int64)
    return feeds
