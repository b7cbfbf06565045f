"""FastAPI dependencies: the app's services, the calling principal, ``min_seq`` waits and
time-window parameters. All are ``async``: they run on the event loop, next to the reader.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..times import BadTime, parse_ts
from .auth import Principal
from .errors import BadParameter, NotReady, Unauthorized
from .services import Services

POLL_SECONDS = 0.005

bearer = HTTPBearer(
    auto_error=False,
    description="A token made with `likeledger token create --scope ...`.",
)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True, slots=True)
class Call:
    """An authenticated request: the app's services and who is calling."""

    services: Services
    principal: Principal


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
MinSeq = Annotated[
    int | None,
    Query(
        ge=0,
        description="Answer only once reads reflect this sequence number (a write's "
        "`last_seq` or an earlier answer's `as_of`; on PostgreSQL the inbox position the "
        "projection must have applied); 503 with Retry-After if they do not within the "
        "server's wait limit.",
    ),
]


def _authorize(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Call:
    """401 without a known bearer token, 429 over the token's rate limit."""
    services: Services = request.app.state.services
    services.revive()  # after a database restart: reconnect (or 503 while it is down)
    if credentials is None:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    principal = services.tokens.principal(credentials.credentials)
    if principal is None:
        raise Unauthorized("unknown token")
    services.limiter.take(principal.key)
    return Call(services, principal)


# One dependency per route (plus the bearer scheme): FastAPI's per-dependency cost shows
# on the hot read path, so authentication and the min_seq wait are folded together.
async def authorized(request: Request, credentials: Credentials) -> Call:
    """The caller of a write or identity route."""
    return _authorize(request, credentials)


async def authorized_read(
    request: Request, credentials: Credentials, min_seq: MinSeq = None
) -> Call:
    """The caller of a read, once the ledger has reached ``min_seq`` (read-your-writes)."""
    call = _authorize(request, credentials)
    await wait_for(call.services, min_seq)
    return call


CallDep = Annotated[Call, Depends(authorized)]
ReadDep = Annotated[Call, Depends(authorized_read)]


async def wait_for(services: Services, min_seq: int | None) -> None:
    """Wait (bounded) until reads reflect ``min_seq``; 503 + Retry-After if they do not."""
    if min_seq is None or services.model.head() >= min_seq:
        return
    with services.metrics.waiting.track_inprogress():
        head = await reach(services, min_seq, services.settings.min_seq_wait)
    if head < min_seq:
        raise NotReady(
            f"reads are at {head}, not yet at min_seq {min_seq}",
            retry_after=services.settings.retry_after,
            as_of=head,
            min_seq=min_seq,
        )


async def reach(
    services: Services, position: int, timeout: float, poll: float = POLL_SECONDS
) -> int:
    """Poll the read model's head, on the event loop (the model's one thread), until it
    reaches ``position`` or ``timeout`` seconds pass; the last head seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (head := services.model.head()) < position and loop.time() < deadline:
        await asyncio.sleep(poll)
    return head


TIME_PATTERN = r"^(\d{1,15}|\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))$"
TimeParam = Annotated[
    str | None,
    Query(
        description="Event time: integer ms since the epoch or RFC 3339 with an offset.",
        pattern=TIME_PATTERN,
    ),
]


def parse_time(name: str, value: str | None) -> int | None:
    """A ``since``/``until`` query value as ms; 422 when it is not a valid time."""
    if value is None:
        return None
    try:
        return parse_ts(int(value) if value.isdigit() else value)
    except (BadTime, ValueError) as exc:
        raise BadParameter(f"{name}={value!r}: {exc}", parameter=name) from None


def window(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """Parse a [since, until) window; 422 when since is later than until."""
    lo, hi = parse_time("since", since), parse_time("until", until)
    if lo is not None and hi is not None and lo > hi:
        raise BadParameter("since is later than until", parameter="since")
    return lo, hi
