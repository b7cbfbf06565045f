"""The API's read model: what the ``Ledger`` API does not answer (video owners, a creator's
videos, timelines, ranking versions, lag, token lookups, the outcomes of inbox positions),
behind one small interface.

One module per backend implements it: ``readmodel_sqlite.py`` (a ``query_only`` SQLite
connection) and ``readmodel_postgres.py`` (server mode: reads follow the projection). Both
answer in the API's sequence space: ``head()`` is the sequence number an answer reflects
(SQLite: the ledger head; PostgreSQL: the last inbox position the projection applied), so a
write's ``last_seq`` can be passed back as ``min_seq``. Use a read model from one thread (the
server's event loop). The bucketing of timelines is shared here, on top of raw queries.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..rules import CAUSES
from ..store.workingset import HOUR_MS

if TYPE_CHECKING:
    from ..inbox_outcomes import Outcomes
    from ..ledger import Ledger

VIDEO, CREATOR = 0, 1  # journal kinds (likeledger.store.workingset.KIND_CODES)
BUCKETS = {"hour": HOUR_MS, "day": 24 * HOUR_MS}


@dataclass(frozen=True, slots=True)
class Owner:
    video_id: int
    creator: str
    deleted: bool


@dataclass(frozen=True, slots=True)
class VideoRow:
    video: str
    likes: int
    deleted: bool
    visibility: str
    moderation: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "likes": self.likes,
            "deleted": self.deleted,
            "visibility": self.visibility,
            "moderation": self.moderation,
        }


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    status: str
    total: int


@dataclass(frozen=True, slots=True)
class Lag:
    """How far reads are behind writes: ``as_of`` (the API's sequence answers reflect),
    ``written`` (the last sequence a write was given), ``ledger_head`` (the ledger's own
    last seq) and ``pending`` (written, not yet reflected; always 0 on SQLite)."""

    as_of: int
    written: int
    ledger_head: int
    oldest_pending_s: float | None = None

    @property
    def pending(self) -> int:
        return self.written - self.as_of

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "written": self.written,
            "pending": self.pending,
            "ledger_head": self.ledger_head,
            "oldest_pending_s": self.oldest_pending_s,
        }


@dataclass(slots=True)
class Bucket:
    start: int
    likes: int = 0
    gains: dict[str, int] = field(default_factory=dict)
    losses: dict[str, int] = field(default_factory=dict)
    impressions: int = 0


@dataclass(frozen=True, slots=True)
class Timeline:
    """Buckets with activity, in time order; ``start`` is the value before the first one."""

    bucket_ms: int
    start: int
    end: int
    buckets: list[Bucket]
    versions: list[tuple[int, str]]


class ReadModel(ABC):
    """Plain queries of one backend. ``snapshot()`` groups several into one read."""

    @property
    @abstractmethod
    def ledger(self) -> Ledger:
        """The reading ``Ledger`` (count, explain, visible) over the same database."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[None]:
        """One read transaction: every query inside sees the same state."""

    @abstractmethod
    def head(self) -> int:
        """The sequence number answers read now reflect (the ``as_of`` of a response)."""

    @abstractmethod
    def lag(self) -> Lag:
        """Reads versus writes: as_of, last written sequence, ledger head, pending."""

    @abstractmethod
    def outcomes(self, first: int, last: int) -> Outcomes:
        """What became of inbox positions ``first``..``last`` (server mode only).

        Raises:
            NotSupported: the backend has no inbox (SQLite: a write answers its outcome).
        """

    @abstractmethod
    def owner(self, video: str) -> Owner | None: ...

    @abstractmethod
    def account(self, name: str) -> Account | None: ...

    @abstractmethod
    def videos_of(self, creator_id: int) -> list[VideoRow]:
        """A creator's videos, most liked first (then by name)."""

    @abstractmethod
    def top_creators(self, limit: int) -> list[tuple[str, int]]:
        """(name, total) of live accounts with videos, largest total first."""

    @abstractmethod
    def blocks(self, blocker: str, blocked: str) -> bool:
        """Whether ``blocker`` blocks ``blocked`` (one direction only)."""

    @abstractmethod
    def token_scopes(self, digest: str) -> str | None:
        """The space-separated scopes of the token with this SHA-256, or None."""

    @abstractmethod
    def hourly(self, kind: int, subject: int) -> list[tuple[int, int, int]]:
        """(hour, cause code, delta) of a subject's journal, by hour."""

    @abstractmethod
    def hourly_impressions(self, kind: int, subject: int) -> list[tuple[int, int]]:
        """(hour, impressions) of a video (kind 0) or all of a creator's videos (kind 1)."""

    @abstractmethod
    def versions(self) -> list[tuple[int, str]]:
        """Every ``ranking.version`` event as (ts, version), by ts."""

    @abstractmethod
    def revive(self, *, force: bool = False) -> None:
        """Reopen connections that a database restart broke (``force``: all of them, after
        a storage error: a connection the server dropped may not know it yet)."""

    @abstractmethod
    def close(self) -> None: ...

    def timeline(
        self, kind: int, subject: int, *, bucket_ms: int, since: int | None, until: int | None
    ) -> Timeline:
        """Likes over time of a video (kind 0) or a creator's total (kind 1), per bucket."""
        lo = None if since is None else since - since % bucket_ms
        before, buckets = _journal_buckets(self.hourly(kind, subject), bucket_ms, lo, until)
        for hour, count in self.hourly_impressions(kind, subject):
            start = hour * HOUR_MS - (hour * HOUR_MS) % bucket_ms
            if (lo is None or start >= lo) and (until is None or start < until):
                buckets.setdefault(start, Bucket(start)).impressions += count
        ordered = [buckets[key] for key in sorted(buckets)]
        value = before
        for slot in ordered:
            value += sum(slot.gains.values()) + sum(slot.losses.values())
            slot.likes = value
        versions = self._versions_between(ordered, bucket_ms, lo, until)
        return Timeline(bucket_ms, before, value, ordered, versions)

    def _versions_between(
        self, buckets: list[Bucket], bucket_ms: int, lo: int | None, until: int | None
    ) -> list[tuple[int, str]]:
        if not buckets:
            return []
        first = buckets[0].start if lo is None else lo
        last = buckets[-1].start + bucket_ms if until is None else until
        return [(ts, name) for ts, name in self.versions() if first <= ts < last]


def _journal_buckets(
    rows: list[tuple[int, int, int]], bucket_ms: int, lo: int | None, until: int | None
) -> tuple[int, dict[int, Bucket]]:
    """The value before ``lo`` and the gains and losses per cause of each bucket."""
    buckets: dict[int, Bucket] = {}
    before = 0
    for hour, cause, delta in rows:
        start = hour * HOUR_MS - (hour * HOUR_MS) % bucket_ms
        if lo is not None and start < lo:
            before += delta
            continue
        if until is not None and start >= until:
            continue
        slot = buckets.setdefault(start, Bucket(start))
        side = slot.gains if delta > 0 else slot.losses
        if delta:
            name = CAUSES[cause]
            side[name] = side.get(name, 0) + delta
    return before, buckets
