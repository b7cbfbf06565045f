"""``GET /metrics``: Prometheus text format (public, like most scrape targets; it names no
accounts or videos, only counters by status, refusal code and route template)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from ..deps import ServicesDep

router = APIRouter(tags=["service"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(services: ServicesDep) -> Response:
    """Events ingested and refused by code, request latency, projection lag, ledger head."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
