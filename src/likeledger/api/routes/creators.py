"""Creator reads: explain a profile total, list the creator's videos, the total's timeline.

A creator token reads only its own creator id (another: 403; creator names are public).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from ...errors import AccountDeleted, UnknownAccount
from ..deps import ReadDep, TimeParam, window
from ..readmodel import BUCKETS, CREATOR, Account, ReadModel
from ..schemas import CreatorVideosOut, ExplainOut, TimelineOut
from .shape import timeline_json
from .videos import ERRORS

router = APIRouter(prefix="/v1/creators", tags=["creators"])


def live_account(model: ReadModel, creator: str) -> Account:
    """The creator's account row; 404 unknown_account, 410 account_deleted."""
    account = model.account(creator)
    if account is None:
        raise UnknownAccount(creator)
    if account.status == "deleted":
        raise AccountDeleted(creator)
    return account


@router.get("/{creator}/explain", response_model=ExplainOut, responses=ERRORS)
async def explain(
    creator: str,
    call: ReadDep,
    since: TimeParam = None,
    until: TimeParam = None,
) -> dict[str, Any]:
    """Why total(creator) moved over [since, until): start, end and the sum per cause."""
    lo, hi = window(since, until)
    call.principal.require_creator(creator)
    as_of = call.services.model.head()
    return {**call.services.reader.explain_creator(creator, lo, hi).to_json(), "as_of": as_of}


@router.get("/{creator}/videos", response_model=CreatorVideosOut, responses=ERRORS)
async def videos(creator: str, call: ReadDep) -> dict[str, Any]:
    """The creator's videos with their counts (most liked first), and the profile total."""
    call.principal.require_creator(creator)
    model = call.services.model
    with model.snapshot():
        account = live_account(model, creator)
        rows = model.videos_of(account.id)
        head = model.head()
    return {
        "creator": creator,
        "total": account.total,
        "videos": [r.to_json() for r in rows],
        "as_of": head,
    }


@router.get("/{creator}/timeline", response_model=TimelineOut, responses=ERRORS)
async def timeline(
    creator: str,
    call: ReadDep,
    bucket: Literal["hour", "day"] = "hour",
    since: TimeParam = None,
    until: TimeParam = None,
) -> dict[str, Any]:
    """The profile total over time, per bucket, with impressions of all the creator's videos."""
    lo, hi = window(since, until)
    call.principal.require_creator(creator)
    model = call.services.model
    with model.snapshot():
        account = live_account(model, creator)
        line = model.timeline(CREATOR, account.id, bucket_ms=BUCKETS[bucket], since=lo, until=hi)
        head = model.head()
    return {"creator": creator, **timeline_json(line, bucket), "as_of": head}
