"""JSON shapes shared by several routes."""

from __future__ import annotations

from typing import Any

from ...times import format_ts
from ..readmodel import Timeline


def timeline_json(line: Timeline, bucket: str) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "start": line.start,
        "end": line.end,
        "buckets": [
            {
                "t": format_ts(b.start),
                "ms": b.start,
                "likes": b.likes,
                "gains": b.gains,
                "losses": b.losses,
                "impressions": b.impressions,
            }
            for b in line.buckets
        ],
        "versions": [{"t": format_ts(ts), "ms": ts, "version": v} for ts, v in line.versions],
    }
