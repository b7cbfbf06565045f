"""Read-only SQL over the core tables for what the Ledger API does not answer: video owners,
a creator's videos, timelines (journal, hourly roll-ups, impressions) and ranking versions.

It runs on its own SQLite connection with ``query_only`` set; it never writes. Use it from
one thread (the server's event loop).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..rules import CAUSES
from ..store.workingset import HOUR_MS

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


class ReadModel:
    """Plain queries on one connection. ``snapshot()`` groups several into one read."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute("PRAGMA query_only = ON")
        self._versions: list[tuple[int, str]] = []
        self._versions_seq = 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same ledger state."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def head(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM ledger").fetchone()[0])

    def owner(self, video: str) -> Owner | None:
        row = self.conn.execute(
            "SELECT v.id, u.name, v.deleted FROM videos v JOIN users u ON u.id = v.creator "
            "WHERE v.name = ?",
            (video,),
        ).fetchone()
        return None if row is None else Owner(row[0], row[1], bool(row[2]))

    def account(self, name: str) -> Account | None:
        row = self.conn.execute(
            "SELECT id, status, total FROM users WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else Account(row[0], row[1], row[2])

    def videos_of(self, creator_id: int) -> list[VideoRow]:
        rows = self.conn.execute(
            "SELECT name, likes, deleted, visibility, moderation FROM videos WHERE creator = ? "
            "ORDER BY likes DESC, name",
            (creator_id,),
        )
        return [VideoRow(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def top_creators(self, limit: int) -> list[tuple[str, int]]:
        rows = self.conn.execute(
            "SELECT u.name, u.total FROM users u WHERE u.status != 'deleted' "
            "AND EXISTS (SELECT 1 FROM videos v WHERE v.creator = u.id) "
            "ORDER BY u.total DESC, u.name LIMIT ?",
            (limit,),
        )
        return [(name, total) for name, total in rows]

    def blocks(self, blocker: str, blocked: str) -> bool:
        """Whether ``blocker`` blocks ``blocked`` (one direction only)."""
        row = self.conn.execute(
            "SELECT 1 FROM blocks b JOIN users x ON x.id = b.blocker JOIN users y "
            "ON y.id = b.blocked WHERE x.name = ? AND y.name = ?",
            (blocker, blocked),
        ).fetchone()
        return row is not None

    def timeline(
        self, kind: int, subject: int, *, bucket_ms: int, since: int | None, until: int | None
    ) -> Timeline:
        """Likes over time of a video (kind 0) or a creator's total (kind 1), per bucket."""
        buckets: dict[int, Bucket] = {}
        before = 0
        lo = None if since is None else since - since % bucket_ms
        for hour, cause, delta in self._hourly(kind, subject):
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
        for hour, count in self._impressions(kind, subject):
            start = hour * HOUR_MS - (hour * HOUR_MS) % bucket_ms
            if (lo is None or start >= lo) and (until is None or start < until):
                slot = buckets.setdefault(start, Bucket(start))
                slot.impressions += count
        ordered = [buckets[key] for key in sorted(buckets)]
        value = before
        for slot in ordered:
            value += sum(slot.gains.values()) + sum(slot.losses.values())
            slot.likes = value
        versions = self._versions_between(ordered, bucket_ms, lo, until)
        return Timeline(bucket_ms, before, value, ordered, versions)

    def _hourly(self, kind: int, subject: int) -> list[tuple[int, int, int]]:
        # Subjects with many entries have hourly roll-ups (complete once present); the long
        # tail is summed from the raw journal, which is small for them.
        rows = self.conn.execute(
            "SELECT hour, cause, delta FROM journal_hourly WHERE kind = ? AND subject = ? "
            "ORDER BY hour",
            (kind, subject),
        ).fetchall()
        if rows:
            return rows
        return self.conn.execute(
            "SELECT ts / ?, cause, sum(delta) FROM journal WHERE kind = ? AND subject = ? "
            "GROUP BY 1, 2 ORDER BY 1",
            (HOUR_MS, kind, subject),
        ).fetchall()

    def _impressions(self, kind: int, subject: int) -> list[tuple[int, int]]:
        if kind == VIDEO:
            sql = "SELECT hour, sum(count) FROM impressions WHERE video = ? GROUP BY hour"
        else:
            sql = (
                "SELECT i.hour, sum(i.count) FROM videos v JOIN impressions i ON i.video = v.id "
                "WHERE v.creator = ? GROUP BY i.hour"
            )
        return self.conn.execute(sql, (subject,)).fetchall()

    def versions(self) -> list[tuple[int, str]]:
        """Every ``ranking.version`` event as (ts, version), by ts; read incrementally by seq."""
        head = self.head()
        if head > self._versions_seq:
            rows = self.conn.execute(
                "SELECT ts, payload FROM ledger WHERE seq > ? AND seq <= ? "
                "AND type = 'ranking.version'",
                (self._versions_seq, head),
            ).fetchall()
            self._versions.extend((ts, orjson.loads(payload)["version"]) for ts, payload in rows)
            self._versions.sort()
            self._versions_seq = head
        return self._versions

    def _versions_between(
        self, buckets: list[Bucket], bucket_ms: int, lo: int | None, until: int | None
    ) -> list[tuple[int, str]]:
        if not buckets:
            return []
        first = buckets[0].start if lo is None else lo
        last = buckets[-1].start + bucket_ms if until is None else until
        return [(ts, name) for ts, name in self.versions() if first <= ts < last]
