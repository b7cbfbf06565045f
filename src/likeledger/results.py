"""Plain result records returned by the Ledger API; each knows its contract JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .exposure import Attribution
from .times import format_ts


@dataclass(frozen=True, slots=True)
class IngestError:
    """One refused line: where it was and the SEMANTICS.md refusal code."""

    line: int
    code: str
    message: str
    file: str | None = None

    def to_json(self, with_file: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "code": self.code, "message": self.message}
        if with_file:
            out["file"] = self.file
        return out


@dataclass(slots=True)
class IngestReport:
    """Counters of one ingest run (``accepted`` includes ``stale``)."""

    accepted: int = 0
    duplicates: int = 0
    stale: int = 0
    rejected: int = 0
    errors: list[IngestError] = field(default_factory=list)
    last_seq: int | None = None

    def merge(self, other: IngestReport) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.stale += other.stale
        self.rejected += other.rejected
        self.errors.extend(other.errors)
        self.last_seq = other.last_seq if other.last_seq is not None else self.last_seq

    def to_json(self, with_file: bool = False) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "rejected": self.rejected,
            "errors": [error.to_json(with_file) for error in self.errors],
        }


@dataclass(frozen=True, slots=True)
class VideoCount:
    video: str
    likes: int
    creator: str
    as_of: int

    def to_json(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "likes": self.likes,
            "creator": self.creator,
            "as_of": self.as_of,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a count moved over [since, until): start + sum(changes) == end, always."""

    kind: str  # "video" or "creator"
    subject: str
    start: int
    end: int
    changes: dict[str, int]
    since: int | None
    until: int | None
    as_of: int
    creator: str | None = None
    exposure: Attribution | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.kind: self.subject}
        if self.creator is not None:
            out["creator"] = self.creator
        out.update(start=self.start, end=self.end, changes=self.changes)
        out["since"] = None if self.since is None else format_ts(self.since)
        out["until"] = None if self.until is None else format_ts(self.until)
        out["as_of"] = self.as_of
        out["exposure"] = None if self.exposure is None else self.exposure.to_json()
        return out


@dataclass(frozen=True, slots=True)
class Visibility:
    video: str
    viewer: str
    reason: str | None

    @property
    def visible(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "viewer": self.viewer,
            "visible": self.visible,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Drift:
    """A subject whose stored count or journal disagrees with the recompute from the ledger."""

    kind: str
    subject: str
    stored: int
    expected: int
    journal: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "stored": self.stored,
            "expected": self.expected,
            "journal_sum": self.journal,
        }


@dataclass(slots=True)
class ReconcileReport:
    events: int = 0
    videos: int = 0
    creators: int = 0
    drift: list[Drift] = field(default_factory=list)
    repaired: bool = False
    export: CopyRefresh | None = None  # set when the recompute read a copy of the ledger

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "events": self.events,
            "videos_checked": self.videos,
            "creators_checked": self.creators,
            "drift": [d.to_json() for d in self.drift],
            "repaired": self.repaired,
        }
        if self.export is not None:
            out["export"] = self.export.to_json()
        return out


@dataclass
class CopyRefresh:
    """What refreshing the columnar copy of the ledger did before a recompute read it."""

    reused_through: int  # events 1..this were read from the copy as it was
    appended_through: int  # events after that, up to this, were appended to it first
    rebuilt: bool  # the copy did not match the ledger (or was unreadable) and was remade

    def to_json(self) -> dict[str, Any]:
        return {
            "reused_through": self.reused_through,
            "through": self.appended_through,
            "rebuilt": self.rebuilt,
        }
