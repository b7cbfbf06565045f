"""Test helpers: event builders and read-outs of the journal and counts (plain SQL)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.rules import CAUSES

HOUR = 3_600_000
KINDS = {0: "video", 1: "creator"}


def ev(etype: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    """One event object; ``id_`` becomes the ``id`` field."""
    event: dict[str, Any] = {"type": etype, "ts": ts}
    if "id_" in fields:
        event["id"] = fields.pop("id_")
    event.update(fields)
    return event


def pub(video: str, creator: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("video.published", ts, video=video, creator=creator, **fields)


def like(user: str, video: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("like", ts, user=user, video=video, **fields)


def unlike(user: str, video: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("unlike", ts, user=user, video=video, **fields)


def status(user: str, new: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("account.status", ts, user=user, status=new, **fields)


def block(blocker: str, blocked: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("block", ts, blocker=blocker, blocked=blocked, **fields)


def unblock(blocker: str, blocked: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("unblock", ts, blocker=blocker, blocked=blocked, **fields)


def follow(follower: str, followee: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("follow", ts, follower=follower, followee=followee, **fields)


def moderate(video: str, action: str, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    return ev("moderation", ts, video=video, action=action, **fields)


def flag(user: str, video: str | None = None, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    if video is not None:
        fields["video"] = video
    return ev("integrity.flag", ts, user=user, **fields)


def clear(user: str, video: str | None = None, ts: Any = 0, **fields: Any) -> dict[str, Any]:
    if video is not None:
        fields["video"] = video
    return ev("integrity.clear", ts, user=user, **fields)


def feed(ledger: Ledger, *events: dict[str, Any]) -> IngestReport:
    """Ingest events and insist none was refused (use ``ledger.ingest_objects`` to see refusals)."""
    report = ledger.ingest_objects(list(events))
    assert report.errors == [], report.errors
    return report


def refuse(ledger: Ledger, event: dict[str, Any]) -> tuple[str, str]:
    """Ingest one event that must be refused; return (code, message)."""
    head = ledger.head()
    report = ledger.ingest_objects([event])
    assert report.accepted == 0
    assert report.rejected == 1, report
    assert ledger.head() == head
    (error,) = report.errors
    assert error.line == 1
    return error.code, error.message


def journal(ledger: Ledger) -> list[tuple[str, str, int, int, int, str]]:
    """Every journal entry as (kind, subject name, ts, seq, delta, cause), in seq order."""
    rows = ledger.store.conn.execute(
        "SELECT j.kind, coalesce(v.name, u.name), j.ts, j.seq, j.delta, j.cause FROM journal j "
        "LEFT JOIN videos v ON j.kind = 0 AND v.id = j.subject "
        "LEFT JOIN users u ON j.kind = 1 AND u.id = j.subject "
        "ORDER BY j.seq, j.kind, j.subject"
    ).fetchall()
    return [(KINDS[k], name, ts, seq, d, CAUSES[c]) for k, name, ts, seq, d, c in rows]


def entries_of_last(ledger: Ledger) -> set[tuple[str, str, int, str]]:
    """The journal entries of the last accepted event: {(kind, subject, delta, cause)}."""
    head = ledger.head()
    return {(k, s, d, c) for k, s, _ts, seq, d, c in journal(ledger) if seq == head}


def journal_multiset(ledger: Ledger) -> Counter[tuple[str, str, int, int, str]]:
    """Journal entries without seq: (kind, subject, ts, delta, cause) with multiplicity."""
    return Counter((k, s, ts, d, c) for k, s, ts, _seq, d, c in journal(ledger))


def stored_counts(ledger: Ledger) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(likes of live videos, frozen likes of deleted videos, totals of every account)."""
    conn = ledger.store.conn
    live = dict(conn.execute("SELECT name, likes FROM videos WHERE deleted = 0").fetchall())
    dead = dict(conn.execute("SELECT name, likes FROM videos WHERE deleted = 1").fetchall())
    totals = dict(conn.execute("SELECT name, total FROM users").fetchall())
    return live, dead, totals


def journal_sums(ledger: Ledger) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = {}
    for kind, name, _ts, _seq, delta, _cause in journal(ledger):
        sums[(kind, name)] = sums.get((kind, name), 0) + delta
    return sums


def likes(ledger: Ledger, video: str) -> int:
    return ledger.count(video).likes


def total(ledger: Ledger, creator: str) -> int:
    return ledger.explain_creator(creator).end
