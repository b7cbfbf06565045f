"""A machine-speed probe printed beside the benchmark figures.

This 2-core machine is a VM whose speed moves with its neighbours: the same pure-Python loop
takes 0.21 s on one minute and 0.34 s on another. Each benchmark prints this probe when it
starts and ends, so a figure can be read against the speed the machine had at the time.
"""

from __future__ import annotations

import timeit


def speed_probe() -> str:
    """Best of 5 timings of a fixed pure-Python loop (``sum(range(1000))`` 20,000 times)."""
    best = min(timeit.repeat("sum(range(1000))", number=20_000, repeat=5))
    return f"speed probe {best:.3f} s (lower is faster; 0.21 s on a quiet host)"
