"""Pause Python's cyclic garbage collector around bulk work.

Ingest keeps millions of small row objects in its cache. None of them form reference
cycles (rows refer to each other by id), so reference counting frees them, yet every
full collection walks all of them: measured, about a third of the deciding thread's time.
Collections are paused while any ingest runs in this process and resume after the last.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (re-entrant and thread-safe)."""
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
