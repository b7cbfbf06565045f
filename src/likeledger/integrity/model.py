"""Value types of the integrity scan: the like table it reads and the report it returns.

Pure data: numpy arrays in, frozen dataclasses out. No I/O, no clock, no ledger imports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LikeTable:
    """The likes to scan, one row per (user, video) pair, as parallel arrays.

    Users and videos are dense integer indexes (0..n_users-1, 0..n_videos-1); the caller keeps
    the mapping to wire ids and may pass it as `user_names` / `video_names` / `creator_names` so
    the report and the campaign ids speak in wire ids.
    """

    user: I32
    video: I32
    ts: I64
    first_seen_ts: I64 | None = None  # per user: when the account was first seen (ms)
    creator_of_video: I32 | None = None  # per video: its creator's index
    user_names: tuple[str, ...] | None = None
    video_names: tuple[str, ...] | None = None
    creator_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (self.user.shape == self.video.shape == self.ts.shape):
            raise ValueError("user, video and ts must have the same length")

    @property
    def n_likes(self) -> int:
        return int(self.user.shape[0])

    @property
    def n_users(self) -> int:
        sizes = [int(self.user.max()) + 1 if self.n_likes else 0]
        if self.first_seen_ts is not None:
            sizes.append(int(self.first_seen_ts.shape[0]))
        return max(sizes)

    @property
    def n_videos(self) -> int:
        sizes = [int(self.video.max()) + 1 if self.n_likes else 0]
        if self.creator_of_video is not None:
            sizes.append(int(self.creator_of_video.shape[0]))
        return max(sizes)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a campaign is suspicious: block density, temporal burst and shared targets."""

    density: float  # weighted edges per node of the peeled block (the Fraudar objective)
    burst: float  # mean burst score in [0, 1] of the block's (video, episode) columns
    shared_targets: float  # mean number of the campaign's targets each account liked
    # cheap rule signals of the accounts (medians): evidence only, they flag nobody on their own
    account_age_days: float = 0.0  # account age at its first like
    max_likes_per_hour: float = 0.0  # like velocity
    peak_day_share: float = 0.0  # burstiness: share of its likes given on its busiest day


@dataclass(frozen=True, slots=True)
class Campaign:
    """One coordinated block: who, on what, when, and how sure."""

    id: str
    accounts: I64  # sorted user indexes
    hijacked: I64  # the subset of `accounts` with an organic history (flagged like by like)
    targets: I64  # sorted video indexes
    window_start: int  # ms, first like of the block
    window_end: int  # ms, last like of the block
    likes: int  # likes the campaign's flags remove
    score: float
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Flags:
    """The integrity.flag events to append: whole accounts, and single (user, video) likes."""

    accounts: I64
    like_users: I64
    like_videos: I64
    account_campaign: tuple[str, ...] = ()  # campaign id for each flagged account
    like_campaign: tuple[str, ...] = ()  # campaign id for each flagged like


@dataclass(frozen=True, slots=True)
class Impact:
    """Likes each video and creator would lose if the flags were applied."""

    videos: I64
    video_losses: I64
    creators: I64
    creator_losses: I64


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What `scan` found. `like_mask` marks the rows of the input table the flags remove."""

    campaigns: tuple[Campaign, ...]
    flags: Flags
    impact: Impact
    like_mask: NDArray[np.bool_]
    detector: str
    names: LikeTable | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON-ready data: `campaigns`, `flags` and `impact`."""
        from likeledger.integrity.report import result_to_json

        return result_to_json(self)


def campaign_id(*, accounts: list[str], targets: list[str]) -> str:
    """A stable id: the same accounts and targets always give the same id."""
    text = "\n".join(sorted(accounts)) + "\n--\n" + "\n".join(sorted(targets))
    return "cmp_" + hashlib.sha256(text.encode()).hexdigest()[:16]
