"""``likeledger integrity scan|clear``: find coordinated fake likes, show the impact first,
purge with ledger events, and undo a purge. Thin shell over ``integrity.service``."""

from __future__ import annotations

from typing import Any

import click
import orjson

from ..cli import Timestamp, _fail, _guard, _open


@click.group()
def integrity() -> None:
    """Fake-like detection: dry-run scan, apply the purge, clear it on appeal."""


@integrity.command("scan")
@click.option("--since", type=Timestamp(), help="Only likes from this time (ms or RFC 3339).")
@click.option("--until", type=Timestamp(), help="Only likes before this time.")
@click.option("--apply", "do_apply", is_flag=True, help="Append the flags to the ledger.")
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
@click.pass_context
def scan_command(
    ctx: click.Context, since: int | None, until: int | None, do_apply: bool, as_json: bool
) -> None:
    """Find coordinated like campaigns; report campaigns, the flags and their impact.

    Without --apply nothing changes. Example: likeledger integrity scan --json
    """
    if since is not None and until is not None and since > until:
        raise click.UsageError("--since is later than --until")
    from . import service  # numpy/scipy load only when a scan runs

    with _open(ctx) as ledger:
        report = _guard(lambda: service.run_scan(ledger, since=since, until=until))
        if do_apply:
            report = _guard(lambda: service.apply(ledger, report))
    if as_json:
        click.echo(orjson.dumps(report).decode())
        return
    _print(report, applied=do_apply)


def _print(report: dict[str, Any], *, applied: bool) -> None:
    campaigns, flags = report["campaigns"], report["flags"]
    click.echo(
        f"{len(campaigns)} campaigns, {len(flags)} flags ({'applied' if applied else 'dry run'})"
    )
    for c in campaigns:
        ev = c["evidence"]
        click.echo(
            f"  {c['id'][:12]}  {len(c['accounts'])} accounts x {len(c['targets'])} videos, "
            f"{c['likes']} likes, score {c['score']:.2f}, density {ev['density']:.2f}, "
            f"burst {ev['burst']:.2f}"
        )
    lost = sorted(report["impact"]["creators"], key=lambda row: -row["likes_lost"])[:10]
    for row in lost:
        click.echo(f"  creator {row['creator']} would lose {row['likes_lost']} likes")


@integrity.command("clear")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def clear_command(ctx: click.Context, campaign: str, as_json: bool) -> None:
    """Undo a purge: append integrity.clear for every flag of CAMPAIGN still in force.

    Example: likeledger integrity clear 3f2a9c...
    """
    from . import service

    with _open(ctx) as ledger:
        result = _guard(lambda: service.clear(ledger, campaign))
    if as_json:
        click.echo(orjson.dumps(result).decode())
    else:
        click.echo(f"campaign {campaign}: {result['cleared']} flags cleared")
    if result["rejected"]:
        _fail(f"{result['rejected']} clear events were refused")
