"""Shared simulator runs: one small default run, simulated and ingested once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.sim import SimConfig, Simulation

SMALL = SimConfig(seed=11, users=800, videos=160, days=10)


@dataclass
class Run:
    sim: Simulation
    events: list[dict[str, Any]]


@pytest.fixture(scope="session")
def small_run() -> Run:
    """The default behaviour at a small size: every loss cause and glitch occurs in it."""
    sim = Simulation(SMALL)
    return Run(sim, list(sim.events()))


@pytest.fixture(scope="session")
def ingested(small_run: Run) -> Iterator[tuple[Ledger, IngestReport]]:
    """The small run ingested into a throwaway in-memory ledger."""
    with Ledger.open(":memory:") as ledger:
        yield ledger, ledger.ingest_objects(small_run.events)
