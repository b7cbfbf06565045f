"""Shared fixtures: a real SQLite ledger per test and the hypothesis profile."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from likeledger.ledger import Ledger

settings.register_profile(
    "likeledger",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "likeledger-thorough", parent=settings.get_profile("likeledger"), max_examples=500
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "likeledger"))


@pytest.fixture(params=["memory", "file", "file-fast-paths"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A throwaway ledger on real SQLite: in memory (batches commit inline), in a WAL file
    (batches commit on the writer thread while the next one is decided), and in a file with
    every shortcut forced on (set-based account-wide cascades, hourly roll-ups)."""
    if request.param == "memory":
        opened = Ledger.open(":memory:", durable=False)
    elif request.param == "file":
        opened = Ledger.open(str(tmp_path / "ledger.db"), durable=False)
    else:
        opened = Ledger.open(
            str(tmp_path / "fast.db"), durable=False, flip_threshold=1, rollup_from=1
        )
    with opened:
        yield opened
