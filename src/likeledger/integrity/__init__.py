"""Fake-like detection (issue 4): find coordinated like campaigns in a like table.

Pure: numpy arrays in, a report out; no I/O, no ledger imports. The CLI and the ledger wiring
build a `LikeTable` from the current likes and append the report's flags as events.

    from likeledger.integrity import LikeTable, scan
    table = LikeTable(user=u, video=v, ts=ts,            # int32[n], int32[n], int64[n] (ms)
                      first_seen_ts=fs,                  # optional int64[n_users]
                      creator_of_video=cov,              # optional int32[n_videos]
                      user_names=..., video_names=..., creator_names=...)  # optional wire ids
    result = scan(table)                 # or scan(table, since=ms, until=ms)
    report = result.to_json()            # {"detector", "campaigns", "flags", "impact"}

- `report["campaigns"]`: `id` (stable hash of sorted account and target wire ids), `accounts`,
  `hijacked_accounts`, `targets`, `window` {start, end} (ms), `likes` (removed by its flags),
  `score`, `evidence` {density, burst, shared_targets}. Densest first.
- `report["flags"]`: the `integrity.flag` events to append, `{"type", "user", "video"?,
  "detector", "score", "campaign"}`: account-level for fake accounts, like-level for the likes a
  hijacked account gave inside the campaign window. `campaign` lets `clear` find them again.
- `report["impact"]`: `videos` [{video, likes_lost}] and `creators` [{creator, likes_lost}],
  counted on the rows of the table (the caller may recount against the live ledger).
- `result.like_mask` (bool[n]) marks the table rows the flags remove; `result.flags` holds the same
  flags as arrays of indexes.

`scan_plain` is the plain Fraudar baseline (no time, no burst weighting) with the same output.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from likeledger.integrity.detect import ScanConfig, scan, scan_plain
    from likeledger.integrity.model import (
        Campaign,
        Evidence,
        Flags,
        Impact,
        LikeTable,
        ScanResult,
    )

_HOMES = {
    "ScanConfig": "detect",
    "scan": "detect",
    "scan_plain": "detect",
    "Campaign": "model",
    "Evidence": "model",
    "Flags": "model",
    "Impact": "model",
    "LikeTable": "model",
    "ScanResult": "model",
}


def __getattr__(name: str) -> Any:
    """Import numpy/scipy only when the detector is used (keeps the CLI quick to start)."""
    if name in _HOMES:
        return getattr(import_module(f"likeledger.integrity.{_HOMES[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "Campaign",
    "Evidence",
    "Flags",
    "Impact",
    "LikeTable",
    "ScanConfig",
    "ScanResult",
    "scan",
    "scan_plain",
]
