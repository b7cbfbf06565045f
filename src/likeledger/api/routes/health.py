"""Liveness and the caller's identity: ``/v1/health`` (public) and ``/v1/me``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..deps import CallDep, ServicesDep
from ..schemas import ErrorOut, HealthOut, MeOut, StatusOut

router = APIRouter(prefix="/v1", tags=["service"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": ErrorOut}})
async def health(services: ServicesDep) -> dict[str, Any]:
    """The server answers and its database is readable; `as_of` is what reads reflect and
    `projection_lag` the events written but not yet reflected (server mode)."""
    services.revive()
    lag = services.model.lag()
    return {"status": "ok", "as_of": lag.as_of, "projection_lag": lag.pending}


@router.get("/status", response_model=StatusOut, responses={401: {"model": ErrorOut}})
async def status(call: CallDep) -> dict[str, Any]:
    """Reads versus writes: `as_of`, the last written sequence, pending, the ledger head."""
    return call.services.model.lag().to_json()


@router.get("/me", response_model=MeOut, responses={401: {"model": ErrorOut}})
async def me(call: CallDep) -> dict[str, Any]:
    """The scopes of the calling token (the dashboard uses it to sign in)."""
    principal = call.principal
    return {
        "scopes": sorted(principal.scopes),
        "creators": sorted(principal.creators),
        "admin": principal.admin,
        "reads_all": principal.reads_all,
    }
