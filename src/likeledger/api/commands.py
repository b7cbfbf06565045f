"""Click commands for the HTTP server, registered on the main ``likeledger`` group:
``serve`` and ``token create``. Both read the database from ``ctx.obj["db"]`` (``--db``).
"""

from __future__ import annotations

import sys

import click

from ..errors import ConfigError, LedgerError
from .services import issue_token


def _db(ctx: click.Context) -> str:
    obj = ctx.obj or {}
    db: str = obj.get("db") or "likeledger.db"
    return db


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API and the creator dashboard with uvicorn.

    Limits come from LIKELEDGER_MAX_BODY_BYTES, LIKELEDGER_MAX_EVENTS, LIKELEDGER_RATE_LIMIT,
    LIKELEDGER_RATE_BURST, LIKELEDGER_MIN_SEQ_WAIT and LIKELEDGER_RETRY_AFTER.

    On a postgresql:// ledger the server runs in server mode: POST /v1/events appends
    durably and `likeledger project --follow` workers apply the events.

    Example: likeledger --db likeledger.db serve --port 8000
    """
    import uvicorn

    from .app import create_app
    from .settings import Settings

    try:
        app = create_app(_db(ctx), Settings.from_env())
    except LedgerError as exc:
        _fail(str(exc))
        return
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")


@click.group()
def token() -> None:
    """Manage API bearer tokens (only their SHA-256 is stored)."""


@token.command("create")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="ingest, read, admin or creator:<id>; repeat for several.",
)
@click.option("--label", help="A note to recognise the token by (stored with the hash).")
@click.pass_context
def create(ctx: click.Context, scopes: tuple[str, ...], label: str | None) -> None:
    """Create a token and print it once (it cannot be shown again).

    Example: likeledger token create --scope creator:maya --label "maya's dashboard"
    """
    try:
        secret = issue_token(_db(ctx), scopes, label)
    except (ConfigError, LedgerError) as exc:
        _fail(str(exc))
        return
    click.echo(secret)
