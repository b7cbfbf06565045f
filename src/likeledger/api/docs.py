"""The interactive API docs (Swagger UI at ``/docs``), served from this process.

FastAPI's default page loads Swagger UI from a CDN, so it stays blank on a host without
internet access. The ``fastapi-swagger`` package ships the same Swagger UI 5 files (5 is
the first to render OpenAPI 3.1); they are served under ``/docs/assets``. ReDoc, which
also comes from a CDN, is not offered.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS = f"{DOCS_URL}/assets"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI for ``app``'s OpenAPI document at ``/docs``, with no outside fetch.

    ``app`` must be built with ``docs_url=None`` so FastAPI's CDN page is not registered.
    """
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_swagger", "resources")]), name="docs")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
