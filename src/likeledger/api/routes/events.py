"""``POST /v1/events``: append events, one result per event (rules in ``api/ingest.py``);
``GET /v1/events/outcomes``: in server mode, what the projection later made of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .. import ingest
from ..deps import TIME_PATTERN, CallDep, reach
from ..errors import BadParameter
from ..schemas import ErrorOut, IngestOut, OutcomesOut
from ..services import Services

router = APIRouter(prefix="/v1", tags=["events"])
MAX_OUTCOMES = 10_000  # positions per GET /v1/events/outcomes
MAX_WAIT_S = 10.0  # the longest `wait` of GET /v1/events/outcomes
WAIT_POLL_S = 0.02  # how often such a wait reads the checkpoint

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
_OUTCOME_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 422, 429, 501, 503)
}
First = Annotated[
    int, Query(alias="from", ge=1, description="First inbox position (an `appended` `seq`).")
]
Last = Annotated[
    int,
    Query(
        alias="to",
        ge=1,
        description=f"Last inbox position, inclusive: at most {MAX_OUTCOMES:,} positions "
        "from `from`.",
    ),
]
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=MAX_WAIT_S,
        description="Seconds to wait until `to` (or the inbox head, if lower) is projected; "
        "then the answer as it stands (still `pending` on timeout, never an error).",
    ),
]


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

    Server mode (PostgreSQL): valid events are stored durably and get `appended` with `seq`,
    their inbox position; projection workers decide them later (pass `last_seq` as a read's
    `min_seq` to read your writes; `GET /v1/status` shows the lag; `GET /v1/events/outcomes`
    tells which were refused).
    """
    services = call.services
    call.principal.require("ingest")
    settings = services.settings
    raw = await ingest.read_body(request, settings.max_body_bytes)
    body = ingest.split(raw, request.headers.get("content-type"), settings.max_events)
    # One ingest at a time on the writer's connection. A cancelled request still waits for
    # its worker thread (anyio does not abandon threads), so the lock covers the whole write.
    async with services.write_lock:
        force, services.sink_failed = services.sink_failed, False
        posted = await run_in_threadpool(_post, services.sink, body, force)
    _count(services, posted)
    return _response(posted, services.model.head())


@router.get("/events/outcomes", response_model=OutcomesOut, responses=_OUTCOME_ERRORS)
async def outcomes(call: CallDep, first: First, last: Last, wait: Wait = 0.0) -> dict[str, Any]:
    """Server mode (PostgreSQL): what became of the events at inbox positions `from`..`to`
    (the `seq` of `appended` results), one entry per position up to `inbox_head`.

    `pending`: not projected yet (after `projected`). `refused`: refused by a state rule,
    with its SEMANTICS.md `code` and `message`. `applied`: accepted, stale or duplicate;
    these are not told apart, the projector stores no per-event result for them. With
    `wait`, answers once `to` is projected or after `wait` seconds. Needs the `ingest`
    scope. On SQLite there is no inbox (501 `not_supported`): `POST /v1/events` answers
    each event's final result itself.
    """
    call.principal.require("ingest")
    check_range(first, last)
    model = call.services.model
    found = model.outcomes(first, last)
    target = min(last, found.inbox_head)
    if wait > 0 and found.projected < target:
        await reach(call.services, target, wait, poll=WAIT_POLL_S)
        found = model.outcomes(first, last)
    return found.to_json()


def check_range(first: int, last: int) -> None:
    """422 unless ``first``..``last`` is a range of at most ``MAX_OUTCOMES`` positions."""
    if first > last:
        raise BadParameter(f"from={first} is after to={last}", parameter="from")
    if last - first + 1 > MAX_OUTCOMES:
        raise BadParameter(
            f"from={first} to={last} spans {last - first + 1:,} positions; at most "
            f"{MAX_OUTCOMES:,} per request: ask in pages",
            parameter="to",
        )


def _response(posted: ingest.Posted, as_of: int) -> Any:
    """The body (200), or with a malformed event 422 naming the first one."""
    out: dict[str, Any] = {
        "accepted": posted.accepted,
        "duplicates": posted.duplicates,
        "stale": posted.stale,
        "rejected": posted.rejected,
        "last_seq": posted.last_seq,
        "as_of": as_of,
        "results": posted.results,
    }
    if posted.appended is not None:
        out["appended"] = posted.appended
    bad = next((r for r in posted.results if r.get("code") == "invalid_event"), None)
    if bad is None:
        return out
    out["error"] = {"error": "invalid_event", "detail": bad["message"], "index": bad["index"]}
    if "line" in bad:
        out["error"]["line"] = bad["line"]
    shaped = IngestOut.model_validate(out).model_dump(mode="json", exclude_unset=True)
    return JSONResponse(shaped, status_code=422)


def _post(sink: ingest.EventSink, body: ingest.Body, force: bool) -> ingest.Posted:
    sink.revive(force=force)  # after a storage error: reconnect (or 503 while it is down)
    return sink.post(body)


def _count(services: Services, posted: ingest.Posted) -> None:
    metrics = services.metrics
    for status, n in (
        ("accepted", posted.accepted - posted.stale),
        ("stale", posted.stale),
        ("duplicate", posted.duplicates),
        ("appended", posted.appended or 0),
    ):
        if n:
            metrics.ingested.labels(status).inc(n)
    for result in posted.results:
        if result["status"] == "refused":
            metrics.refused.labels(result["code"]).inc()
