"""Response models of the dashboard's data endpoints."""

from __future__ import annotations

from pydantic import BaseModel

from ..api.schemas import VideoRowOut


class CreatorPick(BaseModel):
    creator: str
    total: int


class CreatorListOut(BaseModel):
    creators: list[CreatorPick]


class CauseLine(BaseModel):
    cause: str
    delta: int
    text: str


class StoryOut(BaseModel):
    start: int
    end: int
    window: str
    headline: str
    causes: list[CauseLine]
    advice: list[str]


class BucketView(BaseModel):
    t: str
    ms: int
    likes: int
    gains: dict[str, int]
    losses: dict[str, int]
    impressions: int


class VersionView(BaseModel):
    t: str
    ms: int
    version: str


class TimelineView(BaseModel):
    bucket: str
    start: int
    end: int
    buckets: list[BucketView]
    versions: list[VersionView]


class CreatorViewOut(BaseModel):
    creator: str
    total: int
    as_of: int
    videos: list[VideoRowOut]
    timeline: TimelineView
    story: StoryOut


class VideoViewOut(BaseModel):
    creator: str
    video: str
    likes: int
    as_of: int
    timeline: TimelineView
    story: StoryOut
