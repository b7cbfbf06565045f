"""Episodes, burst scores and account signals on hand-made timelines."""

from __future__ import annotations

import numpy as np

from likeledger.integrity import LikeTable
from likeledger.integrity.signals import account_signals
from likeledger.integrity.temporal import Episodes, episodes

HOUR = 3_600_000
DAY = 24 * HOUR


def _episodes(video: list[int], ts: list[int]) -> Episodes:
    return episodes(
        np.array(video, dtype=np.int64),
        np.array(ts, dtype=np.int64),
        gap_ms=12 * HOUR,
        max_span_ms=2 * DAY,
        reach_ms=3 * DAY,
    )


def test_a_spike_on_a_quiet_video_is_a_burst_and_a_steady_stream_is_not() -> None:
    spike = [10 * DAY + k * 600_000 for k in range(6)]  # six likes in an hour, then silence
    steady = [k * 2 * HOUR for k in range(360)]  # one like every two hours for 30 days
    ep = _episodes([0] * 6 + [1] * 360, spike + steady)
    first_spike, first_steady = ep.column[0], ep.column[6]
    assert ep.count[first_spike] == 6
    assert ep.burst[first_spike] == 1.0
    steady_cols = np.unique(ep.column[6:])
    assert ep.burst[steady_cols[1:-1]].max() < 0.3  # the ends lack a full neighbourhood
    assert ep.video[first_steady] == 1


def test_gaps_and_the_span_cap_cut_episodes() -> None:
    ts = [0, HOUR, 20 * HOUR, 21 * HOUR]  # a 19-hour silence starts a new episode
    ep = _episodes([0, 0, 0, 0], ts)
    assert ep.column.tolist() == [0, 0, 1, 1]
    long_run = [k * 6 * HOUR for k in range(20)]  # never silent, but episodes stop at 2 days
    ep = _episodes([0] * 20, long_run)
    assert ep.count.max() <= 9


def test_single_likes_are_never_bursts() -> None:
    ep = _episodes([0, 1, 2], [0, DAY, 2 * DAY])
    assert ep.burst.tolist() == [0.0, 0.0, 0.0]


def test_account_signals() -> None:
    table = LikeTable(
        user=np.array([0, 0, 0, 1], dtype=np.int32),
        video=np.array([0, 1, 2, 0], dtype=np.int32),
        ts=np.array([10 * DAY, 10 * DAY + 60_000, 12 * DAY, 5 * DAY], dtype=np.int64),
        first_seen_ts=np.array([9 * DAY, 0], dtype=np.int64),
    )
    sig = account_signals(table, np.array([0, 1], dtype=np.int64))
    assert sig.likes.tolist() == [3, 1]
    assert sig.max_per_hour.tolist() == [2, 1]
    assert sig.age_at_first_like_days.tolist() == [1.0, 5.0]
    assert np.allclose(sig.peak_day_share, [2 / 3, 1.0])
