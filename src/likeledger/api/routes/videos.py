"""Video reads: count (optionally as a viewer sees it), explain, visible, timeline.

A creator token reads only its own videos; any other video (existing or not) is 404
``unknown_video``, so a creator cannot probe which videos exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ...errors import UnknownVideo
from ..auth import Principal
from ..deps import ReadDep, TimeParam, window
from ..readmodel import BUCKETS, VIDEO, ReadModel
from ..schemas import CountOut, ErrorOut, ExplainOut, TimelineOut, VisibleOut
from ..services import Services
from .shape import timeline_json

router = APIRouter(prefix="/v1/videos", tags=["videos"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 404, 410, 422, 429, 503)
}
Viewer = Annotated[str, Query(min_length=1, max_length=200, description="The viewing account.")]


def guard_video(principal: Principal, model: ReadModel, video: str) -> None:
    """Let a reader through; a creator only to its own videos (else 404, no leak)."""
    principal.require_reader()
    if principal.reads_all:
        return
    owner = model.owner(video)
    if owner is None or owner.creator not in principal.creators:
        raise UnknownVideo(video)


def visibility(services: Services, principal: Principal, video: str, viewer: str) -> str | None:
    """The hiding reason as this principal may learn it.

    A creator is told ``blocked`` only for its own block: that a viewer blocked the creator
    is the viewer's to keep, so it reads ``withheld``.
    """
    reason = services.reader.visible(video, viewer).reason
    if reason == "blocked" and not principal.reads_all:
        owner = services.model.owner(video)
        if owner is not None and not services.model.blocks(owner.creator, viewer):
            return "withheld"
    return reason


@router.get(
    "/{video}/count", response_model=CountOut, response_model_exclude_unset=True, responses=ERRORS
)
async def count(video: str, call: ReadDep, viewer: Viewer | None = None) -> dict[str, Any]:
    """likes(video) now, with `as_of`. With `viewer`: null likes and the reason when hidden."""
    services, principal = call.services, call.principal
    guard_video(principal, services.model, video)
    as_of = services.model.head()  # read first: the answer reflects at least as_of
    out = services.reader.count(video).to_json()
    out["as_of"] = as_of
    if viewer is not None:
        reason = visibility(services, principal, video, viewer)
        out.update(viewer=viewer, visible=reason is None, reason=reason)
        if reason is not None:
            out["likes"] = None
    return out


@router.get("/{video}/explain", response_model=ExplainOut, responses=ERRORS)
async def explain(
    video: str,
    call: ReadDep,
    since: TimeParam = None,
    until: TimeParam = None,
) -> dict[str, Any]:
    """Why likes(video) moved over [since, until): start, end and the sum per cause."""
    services, principal = call.services, call.principal
    lo, hi = window(since, until)
    guard_video(principal, services.model, video)
    as_of = services.model.head()
    return {**services.reader.explain(video, lo, hi).to_json(), "as_of": as_of}


@router.get("/{video}/visible", response_model=VisibleOut, responses=ERRORS)
async def visible(video: str, viewer: Viewer, call: ReadDep) -> dict[str, Any]:
    """May `viewer` see the video, and if not, the first reason (SEMANTICS.md section 5)."""
    services, principal = call.services, call.principal
    guard_video(principal, services.model, video)
    as_of = services.model.head()
    reason = visibility(services, principal, video, viewer)
    return {
        "video": video,
        "viewer": viewer,
        "visible": reason is None,
        "reason": reason,
        "as_of": as_of,
    }


@router.get("/{video}/timeline", response_model=TimelineOut, responses=ERRORS)
async def timeline(
    video: str,
    call: ReadDep,
    bucket: Literal["hour", "day"] = "hour",
    since: TimeParam = None,
    until: TimeParam = None,
) -> dict[str, Any]:
    """Likes over time: per bucket the count, gains and losses per cause, impressions; plus
    the ranking versions that went live in the range."""
    services, principal = call.services, call.principal
    lo, hi = window(since, until)
    guard_video(principal, services.model, video)
    model = services.model
    with model.snapshot():
        current = services.reader.count(video)  # raises unknown_video / video_deleted
        owner = model.owner(video)
        assert owner is not None
        line = model.timeline(VIDEO, owner.video_id, bucket_ms=BUCKETS[bucket], since=lo, until=hi)
        head = model.head()
    return {
        "video": video,
        "creator": current.creator,
        **timeline_json(line, bucket),
        "as_of": head,
    }
