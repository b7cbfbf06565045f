"""HTTP errors: the API's own LedgerError subclasses, and the one handler that maps every
LedgerError to a status by its class. Routes raise; they never build error responses.

Body of every error: ``{"error": code, "detail": message, ...extra}``.

LedgerError
├── UnknownVideo, UnknownAccount (404)   VideoDeleted, AccountDeleted (410)
├── InputError (400)   StorageError (503)   ConfigError (500)
└── ApiError
    ├── BadBody (400: the body cannot be read as events; names the index/line/column)
    ├── Unauthorized (401)   Forbidden (403)   PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)   BadParameter (422)   RateLimited (429)
    ├── NotReady (503: min_seq not reached in time)
    └── NotSupported (501: not on this backend, e.g. synchronous writes in server mode)
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    AccountDeleted,
    ConfigError,
    InputError,
    LedgerError,
    StorageError,
    UnknownAccount,
    UnknownVideo,
    VideoDeleted,
)


class ApiError(LedgerError):
    """An error of the HTTP layer; ``extra`` fields go into the JSON body."""

    code = "api_error"
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


class BadBody(ApiError):
    code = "malformed_body"


class Unauthorized(ApiError):
    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    code = "forbidden"


class PayloadTooLarge(ApiError):
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    code = "unsupported_media_type"


class BadParameter(ApiError):
    code = "invalid_parameter"


class NotSupported(ApiError):
    """The operation does not exist on this backend (e.g. synchronous writes in server mode)."""

    code = "not_supported"


class RetryLater(ApiError):
    """Carries the seconds to put in ``Retry-After``."""

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = retry_after


class RateLimited(RetryLater):
    code = "rate_limited"


class NotReady(RetryLater):
    code = "not_ready"


STATUS: dict[type[LedgerError], int] = {
    UnknownVideo: 404,
    UnknownAccount: 404,
    VideoDeleted: 410,
    AccountDeleted: 410,
    InputError: 400,
    ConfigError: 500,
    StorageError: 503,
    BadBody: 400,
    Unauthorized: 401,
    Forbidden: 403,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    BadParameter: 422,
    RateLimited: 429,
    NotReady: 503,
    NotSupported: 501,
}


def status_of(exc: LedgerError) -> int:
    """The HTTP status of an error: the entry of its nearest class in ``STATUS``, else 500."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


async def _ledger_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    services = request.app.state.services
    if isinstance(exc, StorageError) and services is not None:
        services.failed = True  # reconnect before the next request
    extra = exc.extra if isinstance(exc, ApiError) else {}
    headers = dict(exc.headers) if isinstance(exc, ApiError) else {}
    if isinstance(exc, RetryLater):
        headers["Retry-After"] = str(exc.retry_after)
    body = error_body(exc.code, str(exc), **extra)
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", ""))} for err in exc.errors()
    ]
    return JSONResponse(error_body("invalid_parameter", problems), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, exc.detail), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: LedgerError by class, request validation, plain HTTP errors."""
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
