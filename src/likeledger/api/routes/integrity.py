"""Integrity (admin): the fake-like detector over HTTP, the same as ``likeledger integrity``.

``GET /scan`` is a dry run; ``POST /apply`` scans and appends the flags; ``POST
/campaigns/{id}/clear`` undoes a purge. Reports name accounts, so only ``admin`` may call.
A scan reads through a ledger of its own on a worker thread (it may take seconds); apply
and clear write through the server's writer, one at a time like ``POST /v1/events``; in
server mode (PostgreSQL) they answer 501: there, flags go through ``POST /v1/events``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ...integrity import service
from ...ledger import Ledger
from ..deps import CallDep, TimeParam, window
from ..schemas import ErrorOut, IntegrityClearOut, IntegrityReportOut
from ..services import Services

router = APIRouter(prefix="/v1/integrity", tags=["integrity"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 422, 429, 501, 503)
}


def _scan(services: Services, since: int | None, until: int | None) -> dict[str, Any]:
    with Ledger.open(services.url) as ledger:
        return service.run_scan(ledger, since=since, until=until)


@router.get("/scan", response_model=IntegrityReportOut, responses=ERRORS)
async def scan(call: CallDep, since: TimeParam = None, until: TimeParam = None) -> dict[str, Any]:
    """Find coordinated like campaigns among the likes that count; nothing changes."""
    call.principal.require("admin")
    lo, hi = window(since, until)
    report = await run_in_threadpool(_scan, call.services, lo, hi)
    return {**report, "as_of": call.services.model.head()}


@router.post("/apply", response_model=IntegrityReportOut, responses=ERRORS)
async def apply(call: CallDep, since: TimeParam = None, until: TimeParam = None) -> dict[str, Any]:
    """Scan, then append one `integrity.flag` per flag (a re-run adds nothing)."""
    call.principal.require("admin")
    lo, hi = window(since, until)
    services = call.services
    writer = services.sink.integrity_writer()  # 501 in server mode, before the scan
    report = await run_in_threadpool(_scan, services, lo, hi)
    async with services.write_lock:
        applied = await run_in_threadpool(service.apply, writer, report)
    return {**applied, "as_of": services.model.head()}


@router.post("/campaigns/{campaign}/clear", response_model=IntegrityClearOut, responses=ERRORS)
async def clear(campaign: str, call: CallDep) -> dict[str, Any]:
    """Append `integrity.clear` for every flag of the campaign still in force."""
    call.principal.require("admin")
    services = call.services
    writer = services.sink.integrity_writer()
    async with services.write_lock:
        result = await run_in_threadpool(service.clear, writer, campaign)
    return {**result, "as_of": services.model.head()}
