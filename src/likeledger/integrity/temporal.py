"""Adaptive time buckets and HoloScope-style burst scores (Liu et al., 2017), vectorised.

A video's likes are cut into *episodes*: runs of likes with no gap longer than `gap_ms`, capped
at `max_span_ms`. Each (video, episode) is one column of the detection graph, and its burst
score says how far its like count rises above the video's own rate outside it. Pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import poisson

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Episodes:
    """Per like: its column; per column: video, first and last like time, like count, burst."""

    column: I64
    video: I64
    start: I64
    end: I64
    count: I64
    burst: F64

    @property
    def n(self) -> int:
        return int(self.video.shape[0])


def _cut_episodes(video: I64, ts: I64, *, gap_ms: int, max_span_ms: int) -> tuple[I64, I64]:
    """Sort order of the likes by (video, ts), and the column of each like in that order."""
    order = np.lexsort((ts, video))
    v, t = video[order], ts[order]
    new = np.ones(v.shape[0], dtype=bool)
    new[1:] = (v[1:] != v[:-1]) | (t[1:] - t[:-1] > gap_ms)
    run_start = t[new][np.cumsum(new) - 1]
    piece = (t - run_start) // max_span_ms  # cap long runs: piece k of the run
    new[1:] |= piece[1:] != piece[:-1]
    return order.astype(np.int64), np.cumsum(new).astype(np.int64) - 1


def sessions(owner: I64, ts: I64, *, gap_ms: int, max_span_ms: int) -> tuple[I64, int]:
    """Session id of each like of `owner` (a user or a video), and the number of sessions."""
    order, sorted_ids = _cut_episodes(owner, ts, gap_ms=gap_ms, max_span_ms=max_span_ms)
    ids = np.empty_like(sorted_ids)
    ids[order] = sorted_ids
    return ids, int(sorted_ids[-1]) + 1 if sorted_ids.size else 0


def _neighbours(v: I64, t: I64, first: I64, last: I64, *, reach_ms: int) -> tuple[F64, F64]:
    """Rate (likes per ms) of each column's video in the `reach_ms` before and after it.

    `v`, `t` are sorted by (video, time); one searchsorted over a (video rank, time) key finds
    the neighbours of every column at once.
    """
    base = int(t.min()) if t.size else 0
    rel = t - base + reach_ms
    width = int(rel.max(initial=0)) + reach_ms + 1
    rank = np.cumsum(np.append(True, v[1:] != v[:-1])) - 1 if v.size else v
    key = rank * width + rel
    row = rank[first] * width
    lo = np.searchsorted(key, row + rel[first] - reach_ms, "left")
    hi = np.searchsorted(key, row + rel[last] + reach_ms, "right")
    span_before = np.clip(rel[first] - reach_ms, 1, reach_ms).astype(np.float64)
    span_after = np.clip(width - reach_ms - 1 - rel[last], 1, reach_ms).astype(np.float64)
    return (first - lo) / span_before, (hi - last - 1) / span_after


def _burst(count: I64, length: F64, rate: F64, *, floor: float, saturation: float) -> F64:
    """Poisson surprise of each column's count against its video's rate around it.

    HoloScope looks for a sudden rise *and* drop: the reference rate is the larger of the
    rates just before and just after the column, so an organic launch (high rate afterwards) or a
    steady stream is no burst. Scaled to [0, 1]: 1 once -log10 P(X >= count) reaches
    `saturation`. A single like is never a burst.
    """
    expected = np.maximum(rate * length, floor)
    tail = poisson.sf(count - 1, expected)
    surprise = -np.log10(np.maximum(tail, 1e-300))
    score: F64 = np.clip(surprise / saturation, 0.0, 1.0)
    score[count < 2] = 0.0
    return score


def episodes(
    video: I64,
    ts: I64,
    *,
    gap_ms: int,
    max_span_ms: int,
    reach_ms: int,
    floor: float = 0.05,
    saturation: float = 4.0,
) -> Episodes:
    """Cut every video's likes into episodes and score each episode's burst.

    Args:
        video: video index of each like.
        ts: time of each like (ms).
        gap_ms: a longer silence between two likes of a video starts a new episode.
        max_span_ms: an episode never lasts longer than this.
        reach_ms: how far before and after an episode its video's usual rate is measured.
        reach_ms: how far before and after an episode its video's usual rate is measured.
        floor: least expected count per episode (a quiet video still gets the odd like).
        saturation: surprise (-log10 p) at which the burst score reaches 1.

    Returns:
        The columns and their statistics.
    """
    order, col_sorted = _cut_episodes(video, ts, gap_ms=gap_ms, max_span_ms=max_span_ms)
    column = np.empty_like(col_sorted)
    column[order] = col_sorted
    is_first = np.ones(col_sorted.shape[0], dtype=bool)
    is_first[1:] = col_sorted[1:] != col_sorted[:-1]
    first = np.flatnonzero(is_first)
    last = np.append(first[1:] - 1, col_sorted.shape[0] - 1) if first.size else first
    v_sorted, t_sorted = video[order], ts[order]
    before, after = _neighbours(v_sorted, t_sorted, first, last, reach_ms=reach_ms)
    start, end = t_sorted[first], t_sorted[last]
    count = (last - first + 1).astype(np.int64)
    length = np.maximum(end - start, gap_ms).astype(np.float64)
    rate = np.maximum(before, after)
    burst = _burst(count, length, rate, floor=floor, saturation=saturation)
    return Episodes(column, v_sorted[first], start, end, count, burst)
