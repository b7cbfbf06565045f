"""Same seed, same stream and same truth; another seed, another platform."""

from __future__ import annotations

import orjson
import pytest

from likeledger.sim import SimConfig, Simulation, simulate

from .conftest import SMALL, Run


def _stream(config: SimConfig) -> list[bytes]:
    return [orjson.dumps(event) for event in simulate(config)]


def test_same_seed_gives_identical_stream_and_truth(small_run: Run) -> None:
    again = Simulation(SMALL)
    events = [orjson.dumps(event) for event in again.events()]
    assert events == [orjson.dumps(event) for event in small_run.events]
    assert orjson.dumps(again.truth.to_json()) == orjson.dumps(small_run.sim.truth.to_json())


def test_another_seed_gives_another_stream() -> None:
    config = SimConfig(seed=1, users=200, videos=40, days=3)
    other = SimConfig(seed=2, users=200, videos=40, days=3)
    assert _stream(config) != _stream(other)


def test_a_simulation_is_consumed_once() -> None:
    sim = Simulation(SimConfig(users=50, videos=10, days=1))
    list(sim.events())
    with pytest.raises(RuntimeError, match="only once"):
        list(sim.events())
