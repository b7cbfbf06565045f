"""Cheap per-account rule signals: like velocity, burstiness, account age at first like.

They are evidence for a campaign's accounts and decide fake versus hijacked; they never flag
anyone on their own. Pure numpy, computed only for the accounts asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeledger.integrity.model import LikeTable

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
_SPLIT = 10**9  # more than any hour index (10**9 hours is about 114,000 years)


@dataclass(frozen=True, slots=True)
class AccountSignals:
    """Signals of `users` (aligned arrays)."""

    users: I64
    likes: I64  # likes in the table
    first_like: I64  # ms
    first_seen: I64  # ms (first like when the table has no first_seen_ts)
    max_per_hour: I64  # like velocity: most likes in one clock hour
    peak_day_share: F64  # burstiness: share of the likes given on the busiest day

    @property
    def age_at_first_like_days(self) -> F64:
        age: F64 = (self.first_like - self.first_seen) / DAY_MS
        return age


def _per_user_max(keys: I64, n: int) -> I64:
    """For each local user, the largest count of one key; keys are user * _SPLIT + bucket."""
    uniq, counts = np.unique(keys, return_counts=True)
    best = np.zeros(n, dtype=np.int64)
    np.maximum.at(best, uniq // _SPLIT, counts)
    return best


def account_signals(table: LikeTable, users: I64) -> AccountSignals:
    """Signals for the accounts `users` (sorted unique indexes) from their likes in `table`."""
    users = np.unique(users).astype(np.int64)
    rows = np.flatnonzero(np.isin(table.user, users))
    local = np.searchsorted(users, table.user[rows]).astype(np.int64)
    ts = table.ts[rows]
    n = users.shape[0]
    likes = np.bincount(local, minlength=n).astype(np.int64)
    first_like = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_like, local, ts)
    first_seen = first_like.copy()
    if table.first_seen_ts is not None:
        first_seen = np.minimum(first_seen, table.first_seen_ts[users])
    per_hour = _per_user_max(local * _SPLIT + ts // HOUR_MS, n)
    per_day = _per_user_max(local * _SPLIT + ts // DAY_MS, n)
    share = per_day / np.maximum(likes, 1)
    return AccountSignals(users, likes, first_like, first_seen, per_hour, share)
