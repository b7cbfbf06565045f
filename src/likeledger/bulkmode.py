"""Interpreter settings for bulk ingest: the cyclic collector paused, threads switched sooner.

- Ingest keeps millions of small row objects in its cache. None of them form reference
  cycles (rows refer to each other by id), so reference counting frees them, yet every
  full collection walks all of them: measured, about a third of the deciding thread's time.
- A pipelined ingest has a CPU-bound deciding thread and a writer thread that mostly waits
  on the database. After each wait the writer needs the GIL back, and by default the
  deciding thread keeps it for up to 5 ms (``sys.getswitchinterval()``). A PostgreSQL
  commit makes dozens of such waits: its writer spent a fifth of its time queued for the
  GIL. Inside, the interval is 1 ms (measured: 400k events into PostgreSQL, 28k -> 35k/s).

Both hold while any ingest runs in this process and are restored after the last.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.001  # seconds

_lock = threading.Lock()
_active = 0
_was_enabled = False
_was_interval = 0.005


@contextmanager
def bulk_mode() -> Iterator[None]:
    """Pause the cyclic collector and shorten the switch interval for the block
    (re-entrant and thread-safe)."""
    global _active, _was_enabled, _was_interval
    with _lock:
        if _active == 0:
            _was_enabled, _was_interval = gc.isenabled(), sys.getswitchinterval()
            gc.disable()
            sys.setswitchinterval(min(_was_interval, SWITCH_INTERVAL))
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                sys.setswitchinterval(_was_interval)
                if _was_enabled:
                    gc.enable()
