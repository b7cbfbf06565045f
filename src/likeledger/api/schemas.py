"""Pydantic models of every JSON body the API sends (they also make the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. unknown_video, rate_limited.")
    detail: Any = Field(description="What went wrong, for a person.")
    index: int | None = Field(None, description="0-based position of the bad event, if any.")
    line: int | None = Field(None, description="1-based line of the bad event, if any.")
    column: int | None = None
    as_of: int | None = None
    min_seq: int | None = None
    parameter: str | None = None


class CountOut(BaseModel):
    video: str
    likes: int | None = Field(description="likes(v); null when hidden from `viewer`.")
    creator: str
    as_of: int = Field(description="The ledger sequence number this answer reflects.")
    viewer: str | None = None
    visible: bool | None = Field(None, description="Only with `viewer`: may they see it.")
    reason: str | None = Field(None, description="Only when hidden: SEMANTICS.md section 5.")


class ExplainOut(BaseModel):
    video: str | None = None
    creator: str
    start: int
    end: int
    changes: dict[str, int] = Field(description="Sum of deltas per cause in the window.")
    since: str | None
    until: str | None
    as_of: int


class VisibleOut(BaseModel):
    video: str
    viewer: str
    visible: bool
    reason: str | None = Field(
        description="First hiding reason of SEMANTICS.md section 5; to a creator token, "
        "`withheld` when the reason is the viewer's own block (theirs to keep private)."
    )
    as_of: int


class BucketOut(BaseModel):
    t: str = Field(description="Bucket start, RFC 3339 UTC.")
    ms: int = Field(description="Bucket start, ms since the epoch.")
    likes: int = Field(description="The count at the end of the bucket.")
    gains: dict[str, int]
    losses: dict[str, int] = Field(description="Negative deltas per cause in the bucket.")
    impressions: int


class VersionOut(BaseModel):
    t: str
    ms: int
    version: str


class TimelineOut(BaseModel):
    video: str | None = None
    creator: str
    bucket: Literal["hour", "day"]
    start: int = Field(description="The count before the first bucket.")
    end: int = Field(description="The count after the last bucket.")
    buckets: list[BucketOut] = Field(description="Buckets with any activity, in time order.")
    versions: list[VersionOut] = Field(description="Ranking versions that went live meanwhile.")
    as_of: int


class EventResultOut(BaseModel):
    index: int = Field(description="0-based position among the request's events.")
    line: int | None = Field(None, description="1-based line of an NDJSON body.")
    status: Literal["accepted", "stale", "duplicate", "refused", "appended"] = Field(
        description="`appended`: server mode (PostgreSQL), stored for the projection workers."
    )
    seq: int | None = Field(
        None, description="Sequence number (accepted and stale); inbox position (appended)."
    )
    code: str | None = Field(None, description="Refusal code (SEMANTICS.md section 3).")
    message: str | None = None


class IngestOut(BaseModel):
    accepted: int = Field(description="Events given a sequence number, stale ones included.")
    duplicates: int
    stale: int
    rejected: int
    last_seq: int | None = Field(description="Highest sequence number written by this request.")
    appended: int | None = Field(
        None, description="Server mode: events stored durably, decided later by projection."
    )
    as_of: int
    results: list[EventResultOut]
    error: ErrorOut | None = Field(
        None, description="With status 422: the first malformed event (the others committed)."
    )


class OutcomeOut(BaseModel):
    position: int = Field(description="Inbox position: the `seq` of an `appended` result.")
    status: Literal["pending", "applied", "refused"] = Field(
        description="`pending`: not projected yet. `refused`: refused by a state rule, with "
        "`code` and `message`. `applied`: accepted, stale or duplicate (not told apart: the "
        "projector keeps no per-event result for them)."
    )
    code: str | None = Field(description="Refusal code (SEMANTICS.md section 3); else null.")
    message: str | None = Field(description="The refusal, for a person; else null.")


class OutcomesOut(BaseModel):
    projected: int = Field(description="The last inbox position the projection has applied.")
    inbox_head: int = Field(description="The last inbox position appended.")
    outcomes: list[OutcomeOut] = Field(
        description="One per position of the range, in order, up to `inbox_head`."
    )


class VideoRowOut(BaseModel):
    video: str
    likes: int
    deleted: bool
    visibility: str
    moderation: str | None


class CreatorVideosOut(BaseModel):
    creator: str
    total: int
    videos: list[VideoRowOut]
    as_of: int


class HealthOut(BaseModel):
    status: Literal["ok"]
    as_of: int
    projection_lag: int


class StatusOut(BaseModel):
    as_of: int = Field(description="The sequence reads reflect (PostgreSQL: projected position).")
    written: int = Field(description="The last sequence given to a write (the inbox head).")
    pending: int = Field(description="Written, not yet reflected in counts (0 on SQLite).")
    ledger_head: int = Field(description="The ledger's own last sequence number.")
    oldest_pending_s: float | None = Field(description="Age of the oldest pending event.")


class MeOut(BaseModel):
    scopes: list[str]
    creators: list[str]
    admin: bool
    reads_all: bool


class IntegrityReportOut(BaseModel):
    """The detector's report (see ``likeledger.integrity``); admin only: it names accounts."""

    detector: str
    campaigns: list[dict[str, Any]] = Field(description="Campaigns found, densest first.")
    flags: list[dict[str, Any]] = Field(description="The integrity.flag events (to) append.")
    impact: dict[str, Any] = Field(description="Likes lost per video and per creator.")
    applied: dict[str, int] | None = Field(
        None, description="With /apply: accepted, duplicates and rejected flag events."
    )
    as_of: int


class IntegrityClearOut(BaseModel):
    campaign: str
    cleared: int
    rejected: int
    last_seq: int | None
    as_of: int
