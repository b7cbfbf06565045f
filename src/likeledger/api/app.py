"""The app factory: ``create_app(ledger_url, settings)`` builds the API and dashboard.

Nothing happens at import. The database is opened when the app starts (its lifespan) and
closed when it stops, so one process may build several apps (tests do).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..dashboard import routes as dashboard
from .docs import install_docs
from .errors import install_error_handlers
from .metrics import LatencyMiddleware, Metrics
from .routes import creators, events, health, integrity, metrics, videos
from .services import Services, check_url
from .settings import Settings

DESCRIPTION = """Exact like counts, every change explained by cause.

Bearer tokens (`likeledger token create --scope ...`): `ingest` (POST /v1/events and, in
server mode, GET /v1/events/outcomes), `read`
(every read), `admin` (everything), `creator:<id>` (that creator's own videos and total).
Limits (env `LIKELEDGER_*`): body size (413), events per request (413), requests per second
per token (429). Reads take `min_seq` for read-your-writes (503 + Retry-After on timeout).
"""


def create_app(ledger_url: str, settings: Settings | None = None) -> FastAPI:
    """Build the HTTP app over the ledger at ``ledger_url``.

    Args:
        ledger_url: a SQLite path or ``sqlite:///path``, or ``postgresql://...`` (server
            mode: writes are appended, projection workers apply them); checked now, opened
            at startup.
        settings: limits; ``Settings.from_env()`` when omitted.

    Raises:
        ConfigError: the URL is neither a SQLite file nor PostgreSQL, or a
            ``LIKELEDGER_*`` setting is bad.
    """
    check_url(ledger_url)
    config = settings if settings is not None else Settings.from_env()
    app = FastAPI(
        title="likeledger",
        version=_version(),
        description=DESCRIPTION,
        lifespan=_lifespan(ledger_url, config),
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    app.state.services = None
    install_error_handlers(app)
    install_docs(app)
    for module in (events, videos, creators, integrity, health, metrics):
        app.include_router(module.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(packages=[("likeledger.dashboard", "static")]), name="static")
    app.add_middleware(LatencyMiddleware, metrics=lambda: _metrics(app))
    return app


def _lifespan(url: str, config: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the services when the app starts, close them when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services.open(url, config)
        app.state.services = services
        try:
            yield
        finally:
            app.state.services = None
            services.close()

    return lifespan


def _metrics(app: FastAPI) -> Metrics | None:
    services: Services | None = app.state.services
    return None if services is None else services.metrics


def _version() -> str:
    try:
        return version("likeledger")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"
