"""Prometheus metrics of one app (its own registry: no process-wide globals), and the ASGI
middleware that times every request by route template.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .readmodel import Lag

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The counters the API exposes at ``/metrics``."""

    def __init__(self, lag: Callable[[], Lag]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.ingested = Counter(
            "likeledger_events_ingested",
            "Events given a sequence number (status: accepted or stale), recognised as "
            "duplicates, or appended for the projection workers (server mode), through "
            "POST /v1/events.",
            ["status"],
            registry=self.registry,
        )
        self.refused = Counter(
            "likeledger_events_refused",
            "Events refused through POST /v1/events, by SEMANTICS.md refusal code.",
            ["code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "likeledger_http_request_duration_seconds",
            "HTTP request latency by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._gauges(lag)

    def _gauges(self, lag: Callable[[], Lag]) -> None:
        """The projection lag, the min_seq waits and the ledger head."""
        pending = Gauge(
            "likeledger_projection_lag_events",
            "Events written but not yet reflected in counts (server mode on PostgreSQL; "
            "0 on SQLite, which applies them synchronously).",
            registry=self.registry,
        )
        pending.set_function(lambda: float(lag().pending))
        self.waiting = Gauge(
            "likeledger_min_seq_waiting",
            "Reads waiting for the ledger to reach their min_seq.",
            registry=self.registry,
        )
        self.head = Gauge(
            "likeledger_ledger_head",
            "Sequence number of the last accepted event.",
            registry=self.registry,
        )
        self.head.set_function(lambda: float(lag().ledger_head))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class LatencyMiddleware:
    """Observe each HTTP request's duration under its route template (bounded labels)."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            metrics = self.metrics()
            if metrics is not None:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                metrics.latency.labels(scope["method"], template, str(status)).observe(
                    time.perf_counter() - began
                )
