"""Every command is documented: --help works and shows an Example (sqlite-utils test_docs)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from likeledger.cli import cli

from .runner import likeledger

COMMANDS = sorted(cli.commands)


def test_the_commands_of_the_contract_exist() -> None:
    assert {"ingest", "count", "explain", "visible", "reconcile"} <= set(COMMANDS)


def test_top_level_help_lists_every_command() -> None:
    result = likeledger("--help")
    assert result.code == 0
    for name in COMMANDS:
        assert name in result.out
    assert "--db" in result.out
    assert "LIKELEDGER_DB" in result.out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    example = result.output.split("Example", 1)[1]
    assert f"likeledger {name}" in example
    assert cli.commands[name].help


@pytest.mark.parametrize("name", ["ingest", "count", "explain", "visible", "reconcile"])
def test_help_through_the_entry_point(name: str) -> None:
    result = likeledger(name, "--help")
    assert result.code == 0
    assert "Example" in result.out


def test_version() -> None:
    result = likeledger("--version")
    assert result.code == 0
    assert "0.1.0" in result.out
