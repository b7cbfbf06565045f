"""``POST /v1/events``: append events, one result per event (rules in ``api/ingest.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...results import IngestReport
from .. import ingest
from ..deps import TIME_PATTERN, CallDep
from ..schemas import ErrorOut, IngestOut
from ..services import Services

router = APIRouter(prefix="/v1", tags=["events"])

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "ts"],
    "properties": {
        "type": {"type": "string", "example": "like"},
        "ts": {
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": TIME_PATTERN},
            ]
        },
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    "additionalProperties": True,
}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "A JSON array of events, or NDJSON (one event per line). An empty body "
        "holds no events (200, nothing written), like an empty file to `likeledger ingest`.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": _EVENT_SCHEMA}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 413, 415, 429, 503)
}


@router.post(
    "/events",
    response_model=IngestOut,
    response_model_exclude_unset=True,
    responses={**_ERRORS, 422: {"model": IngestOut, "description": "Some events malformed."}},
    openapi_extra=_BODY,
)
async def post_events(request: Request, call: CallDep) -> Any:
    """Append events with the semantics of `likeledger ingest`.

    Each event gets a result: `accepted` (with `seq`), `stale` (with `seq`: older than the
    pair's last like/unlike), `duplicate` (same `id`, same content: a retry changes nothing)
    or `refused` (with its SEMANTICS.md `code`). A body that is not valid JSON commits nothing
    (400). Otherwise valid events commit even when others are refused; when any event is
    malformed (`invalid_event`) the status is 422 and `error` names the first one.
    """
    services = call.services
    call.principal.require("ingest")
    settings = services.settings
    raw = await ingest.read_body(request, settings.max_body_bytes)
    body = ingest.split(raw, request.headers.get("content-type"), settings.max_events)
    # One ingest at a time on the writer's connection. A cancelled request still waits for
    # its worker thread (anyio does not abandon threads), so the lock covers the whole write.
    async with services.write_lock:
        report, results = await run_in_threadpool(_ingest, services, body)
    _count(services, report, results)
    out: dict[str, Any] = {
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "stale": report.stale,
        "rejected": report.rejected,
        "last_seq": report.last_seq,
        "as_of": services.model.head(),
        "results": results,
    }
    bad = next((r for r in results if r.get("code") == "invalid_event"), None)
    if bad is None:
        return out
    out["error"] = {"error": "invalid_event", "detail": bad["message"], "index": bad["index"]}
    if "line" in bad:
        out["error"]["line"] = bad["line"]
    shaped = IngestOut.model_validate(out).model_dump(mode="json", exclude_unset=True)
    return JSONResponse(shaped, status_code=422)


def _ingest(services: Services, body: ingest.Body) -> tuple[IngestReport, list[dict[str, Any]]]:
    return ingest.run(services.writer, services.ingest_conn, body)


def _count(services: Services, report: IngestReport, results: list[dict[str, Any]]) -> None:
    metrics = services.metrics
    fresh = report.accepted - report.stale
    for status, n in (
        ("accepted", fresh),
        ("stale", report.stale),
        ("duplicate", report.duplicates),
    ):
        if n:
            metrics.ingested.labels(status).inc(n)
    for result in results:
        if result["status"] == "refused":
            metrics.refused.labels(result["code"]).inc()
