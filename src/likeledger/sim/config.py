"""Simulation knobs: sizes, behaviour shares, scenario rates and glitch rates.

Pure data with sensible defaults; every field is a plain number so a config can be
printed, compared and rebuilt from command-line options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

DAY_MS: Final = 86_400_000
HOUR_MS: Final = 3_600_000
DEFAULT_START: Final = 1_793_491_200_000  # 2026-11-01T00:00:00Z


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How ordinary users and creators behave."""

    creators: float = 0.03  # share of users who publish videos
    sessions_per_day: float = 1.2  # mean For You sessions per active user per day
    feed_length: int = 12  # videos shown per session
    like_scale: float = 0.11  # like probability for a perfect match of a top-quality video
    interest_weight: float = 1.0  # 0: viewers like by quality alone, whoever they are
    unlike: float = 0.04  # share of likes taken back later
    initial_follows: float = 4.0  # mean creators each user follows at the start
    follow_on_like: float = 0.03  # chance a like also makes the viewer follow the creator
    follow_back: float = 0.2  # chance a creator follows a new follower back (friends)
    unfollows_per_day: float = 0.0005  # per user
    friends_only: float = 0.04  # videos published for friends only
    private: float = 0.01  # videos published private


@dataclass(frozen=True, slots=True)
class Scenario:
    """Rates of the events that make likes disappear (and sometimes come back)."""

    bots_per_campaign: int = 30
    hijacked: float = 0.15  # share of a campaign's accounts that are hijacked real users
    bots_flagged: float = 0.8  # share of campaign accounts the platform flags later
    flags_cleared: float = 0.15  # share of flags cleared on appeal
    violating: float = 0.02  # share of videos that break the guidelines
    restricted: float = 0.3  # share of moderated videos restricted rather than removed
    restored: float = 0.35  # share of moderated videos restored on appeal
    privacy_switches: float = 0.04  # share of videos whose visibility changes later
    videos_deleted: float = 0.01  # share of videos their creator deletes
    blocks_per_day: float = 0.0004  # per user
    unblocked: float = 0.3
    deactivations_per_day: float = 0.0008  # per user
    deactivation_returns: float = 0.7
    suspensions_per_day: float = 0.0002
    reinstated: float = 0.6
    bans_per_day: float = 0.00005
    deletions_per_day: float = 0.00005


@dataclass(frozen=True, slots=True)
class Glitches:
    """Delivery faults of the clients: retries, reordering, lost-and-resent requests."""

    retry: float = 0.002  # an event is sent again with the same id (duplicate)
    reorder: float = 0.0005  # a like is taken back at once but arrives after its unlike (stale)
    lost: float = 0.001  # a like/unlike is lost and resent later with its original ts


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything a run depends on; the same config always yields the same stream.

    ``ranking_days`` are the days (0-based) on which a new ranking version goes live at
    ``ranking_hour`` UTC; ``None`` means two updates, at a third and two thirds of the run.
    """

    seed: int = 1
    users: int = 2_000
    videos: int = 400
    days: int = 14
    start: int = DEFAULT_START
    bot_campaigns: int = 2
    ranking_days: tuple[int, ...] | None = None
    ranking_hour: int = 10
    topics: int = 12
    behaviour: Behaviour = field(default_factory=Behaviour)
    scenario: Scenario = field(default_factory=Scenario)
    glitches: Glitches = field(default_factory=Glitches)

    def __post_init__(self) -> None:
        if self.users < 10 or self.videos < 1 or self.days < 1:
            raise ValueError("a simulation needs at least 10 users, 1 video and 1 day")
        if not 0 <= self.ranking_hour < 24:
            raise ValueError("ranking_hour must be 0-23")

    @property
    def update_days(self) -> tuple[int, ...]:
        """Days on which ranking versions after the first go live."""
        if self.ranking_days is not None:
            return tuple(sorted(d for d in set(self.ranking_days) if 0 < d < self.days))
        if self.days < 3:
            return ()
        return tuple(sorted({self.days // 3, (2 * self.days) // 3}))


QUIET: Final = Scenario(
    violating=0.0,
    privacy_switches=0.0,
    videos_deleted=0.0,
    blocks_per_day=0.0,
    deactivations_per_day=0.0,
    suspensions_per_day=0.0,
    bans_per_day=0.0,
    deletions_per_day=0.0,
)
NO_GLITCHES: Final = Glitches(retry=0.0, reorder=0.0, lost=0.0)


def ranker_only(
    *, seed: int = 1, users: int = 3_000, videos: int = 300, days: int = 6, update_day: int = 3
) -> SimConfig:
    """A run where nothing happens but viewing and one ranking update on ``update_day``:
    no bots, moderation, privacy switches, blocks, account changes, unlikes or glitches."""
    return SimConfig(
        seed=seed,
        users=users,
        videos=videos,
        days=days,
        bot_campaigns=0,
        ranking_days=(update_day,),
        behaviour=Behaviour(unlike=0.0, unfollows_per_day=0.0),
        scenario=QUIET,
        glitches=NO_GLITCHES,
    )
