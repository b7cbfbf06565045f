"""A seeded simulator of a short-video platform that emits SEMANTICS.md events plus truth.

sim = Simulation(SimConfig(seed=1, users=2_000, videos=400, days=14))
for event in sim.events(): ...
sim.write_truth("truth.json")
"""

from __future__ import annotations

from .config import Behaviour, Glitches, Scenario, SimConfig, ranker_only
from .truth import Truth, write_truth
from .workload import Simulation, simulate

__all__ = [
    "Behaviour",
    "Glitches",
    "Scenario",
    "SimConfig",
    "Simulation",
    "Truth",
    "ranker_only",
    "simulate",
    "write_truth",
]
