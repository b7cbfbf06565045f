"""Dashboard routes: the page at ``/`` and its data endpoints (one request per view).

The page holds no data; it signs in with a token kept in the tab's sessionStorage and reads
``/dashboard/api/...`` with it, under the same scope rules as ``/v1``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ..api.deps import ReadDep, TimeParam, window
from ..api.errors import Forbidden
from ..api.readmodel import BUCKETS, CREATOR, VIDEO, ReadModel, Timeline
from ..api.routes.creators import live_account
from ..api.routes.shape import timeline_json
from ..api.routes.videos import ERRORS, guard_video
from ..errors import UnknownVideo
from ..narrative import CAUSE_TEXT, REASON_TEXT, advice_lines, explanation_lines, window_text
from ..results import Explanation
from .schemas import CreatorListOut, CreatorViewOut, VideoViewOut

router = APIRouter(tags=["dashboard"])
AUTO_DAYS = 4  # a range longer than this is drawn in day buckets, shorter in hours
Bucket = Annotated[Literal["auto", "hour", "day"], Query(description="Bucket size of the chart.")]

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("likeledger.dashboard", "templates"),
    autoescape=True,
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page(request: Request) -> HTMLResponse:
    """The dashboard page (static shell; data comes from the JSON endpoints)."""
    html = _templates.get_template("index.html").render(
        reasons=REASON_TEXT, causes=CAUSE_TEXT, root=request.scope.get("root_path", "")
    )
    return HTMLResponse(html)


@router.get("/dashboard/api/creators", response_model=CreatorListOut, responses=ERRORS)
async def creators(
    call: ReadDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Creators with the largest totals, for a reader or admin to pick from."""
    if not call.principal.reads_all:
        raise Forbidden("listing creators needs the 'read' or 'admin' scope")
    rows = call.services.model.top_creators(limit)
    return {"creators": [{"creator": name, "total": total} for name, total in rows]}


@router.get("/dashboard/api/creators/{creator}", response_model=CreatorViewOut, responses=ERRORS)
async def creator_view(
    creator: str,
    call: ReadDep,
    since: TimeParam = None,
    until: TimeParam = None,
    bucket: Bucket = "auto",
) -> dict[str, Any]:
    """Everything the creator view draws: total, videos, timeline, explanation and advice."""
    lo, hi = window(since, until)
    services = call.services
    call.principal.require_creator(creator)
    model = services.model
    with model.snapshot():
        account = live_account(model, creator)
        rows = model.videos_of(account.id)
        size, line = _timeline(model, CREATOR, account.id, bucket, lo, hi)
        head = model.head()
    exp = services.reader.explain_creator(creator, lo, hi)
    return {
        "creator": creator,
        "total": account.total,
        "as_of": head,
        "videos": [r.to_json() for r in rows],
        "timeline": timeline_json(line, size),
        "story": story(exp),
    }


@router.get(
    "/dashboard/api/creators/{creator}/videos/{video}",
    response_model=VideoViewOut,
    responses=ERRORS,
)
async def video_view(
    creator: str,
    video: str,
    call: ReadDep,
    since: TimeParam = None,
    until: TimeParam = None,
    bucket: Bucket = "auto",
) -> dict[str, Any]:
    """One video of the creator: its count, timeline, explanation and advice."""
    lo, hi = window(since, until)
    services = call.services
    call.principal.require_creator(creator)
    guard_video(call.principal, services.model, video)
    model = services.model
    current = services.reader.count(video)
    owner = model.owner(video)
    if owner is None or current.creator != creator:
        raise UnknownVideo(video)
    with model.snapshot():
        size, line = _timeline(model, VIDEO, owner.video_id, bucket, lo, hi)
        head = model.head()
    exp = services.reader.explain(video, lo, hi)
    return {
        "creator": creator,
        "video": video,
        "likes": current.likes,
        "as_of": head,
        "timeline": timeline_json(line, size),
        "story": story(exp),
    }


def _timeline(
    model: ReadModel, kind: int, subject: int, bucket: str, lo: int | None, hi: int | None
) -> tuple[str, Timeline]:
    size = "hour" if bucket == "auto" else bucket
    line = model.timeline(kind, subject, bucket_ms=BUCKETS[size], since=lo, until=hi)
    if bucket == "auto" and line.buckets:
        span = line.buckets[-1].start - line.buckets[0].start
        if span > AUTO_DAYS * BUCKETS["day"]:
            size = "day"
            line = model.timeline(kind, subject, bucket_ms=BUCKETS[size], since=lo, until=hi)
    return size, line


def story(exp: Explanation) -> dict[str, Any]:
    """The plain-language explanation of a window, from ``likeledger.narrative``."""
    ranked = sorted(exp.changes.items(), key=lambda item: (item[1], item[0]))
    return {
        "start": exp.start,
        "end": exp.end,
        "window": window_text(exp.since, exp.until),
        "headline": explanation_lines(exp)[0],
        "causes": [
            {"cause": cause, "delta": delta, "text": CAUSE_TEXT.get(cause, cause)}
            for cause, delta in ranked
        ],
        "advice": [line.strip().removeprefix("→").strip() for line in advice_lines(exp.changes)],
    }
