"""Shell around the pure detector: read the countable likes, scan, and write or undo the
purge as ledger events.

Rules: a scan changes nothing. ``apply`` appends one ``integrity.flag`` per flag with the id
``integrity:<campaign>:<user>:<video or *>``, so a campaign's flags can be found again and a
re-run adds nothing (flagged likes are no longer countable, so they are not scanned again).
``clear`` appends the matching ``integrity.clear`` events for the flags still in force.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import orjson

from ..ledger import Ledger
from . import LikeTable, ScanConfig, scan
from .campaigns import Mask, impact
from .model import Impact

PREFIX = "integrity:"


def like_table(ledger: Ledger) -> LikeTable:
    """The likes that count now, as dense arrays with their wire names."""
    store: Any = ledger.store
    rows = np.array(store.countable_likes(), dtype=np.int64).reshape(-1, 4)
    users, user_idx = np.unique(rows[:, 0], return_inverse=True)
    videos, video_idx = np.unique(rows[:, 1], return_inverse=True)
    creators, creator_idx = np.unique(rows[:, 2], return_inverse=True)
    creator_of_video = np.zeros(len(videos), dtype=np.int32)
    creator_of_video[video_idx] = creator_idx
    first_seen = np.full(len(users), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, user_idx, rows[:, 3])
    user_names = store.names("users", users.tolist())
    creator_names = store.names("users", creators.tolist())
    video_names = store.names("videos", videos.tolist())
    return LikeTable(
        user=user_idx.astype(np.int32),
        video=video_idx.astype(np.int32),
        ts=rows[:, 3].copy(),
        first_seen_ts=first_seen,
        creator_of_video=creator_of_video,
        user_names=tuple(user_names[int(u)] for u in users),
        video_names=tuple(video_names[int(v)] for v in videos),
        creator_names=tuple(creator_names[int(c)] for c in creators),
    )


def run_scan(
    ledger: Ledger,
    *,
    since: int | None = None,
    until: int | None = None,
    config: ScanConfig | None = None,
) -> dict[str, Any]:
    """The dry-run report: campaigns, the flags it would append, and their impact."""
    table = like_table(ledger)
    result = scan(table, config or ScanConfig(), since=since, until=until)
    found = replace(result, impact=live_impact(ledger, table, result.like_mask)).to_json()
    # numpy scalars (scores, densities) become plain JSON numbers here, once
    report: dict[str, Any] = orjson.loads(orjson.dumps(found, option=orjson.OPT_SERIALIZE_NUMPY))
    return report


def live_impact(ledger: Ledger, table: LikeTable, mask: Mask) -> Impact:
    """What the flags of ``mask`` would really take, recounted against the ledger's state.

    The detector scans every like still given (a like set aside by a block between liker and
    creator is activity too), but such a like does not count, so flagging it changes nothing;
    and a like on a video removed by moderation is in the video's count, not in its creator's
    total (SEMANTICS.md section 4). Loops over the flagged likes only, never the table.
    """
    rows = np.flatnonzero(mask)
    counts, in_total = mask.copy(), mask.copy()
    names_u, names_v = table.user_names or (), table.video_names or ()
    with ledger.store.read() as view:
        for r in rows.tolist():
            user = view.user(names_u[int(table.user[r])])
            video = view.video(names_v[int(table.video[r])])
            if user is None or video is None:
                continue
            if user.blocks and (
                view.blocked(user.id, video.creator) or view.blocked(video.creator, user.id)
            ):
                counts[r] = in_total[r] = False
            elif not video.in_total:
                in_total[r] = False
    per_video, per_creator = impact(table, counts), impact(table, in_total)
    return Impact(
        per_video.videos, per_video.video_losses, per_creator.creators, per_creator.creator_losses
    )


def flag_key(flag: dict[str, Any]) -> str:
    return f"{PREFIX}{flag['campaign']}:{flag['user']}:{flag.get('video') or '*'}"


def apply(
    ledger: Ledger, report: dict[str, Any], clock: Callable[[], float] = time.time
) -> dict[str, Any]:
    """Append the report's flags (with detector and score); add ``seq`` to each flag."""
    now = int(clock() * 1000)
    events = [
        {
            "type": "integrity.flag",
            "ts": now,
            "id": flag_key(flag),
            "user": flag["user"],
            "video": flag.get("video"),
            "detector": flag.get("detector"),
            "score": flag.get("score"),
        }
        for flag in report["flags"]
    ]
    ingest = ledger.ingest_objects(events)
    seqs = {key: seq for seq, key, _ in _keyed(ledger, PREFIX)}
    for flag in report["flags"]:
        flag["seq"] = seqs.get(flag_key(flag))
    report["applied"] = {
        "accepted": ingest.accepted,
        "duplicates": ingest.duplicates,
        "rejected": ingest.rejected,
    }
    return report


def clear(ledger: Ledger, campaign: str, clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """Append ``integrity.clear`` for every flag of ``campaign`` still in force."""
    now = int(clock() * 1000)
    events = []
    with ledger.store.read() as view:
        for seq, _, payload in _keyed(ledger, f"{PREFIX}{campaign}:"):
            data = orjson.loads(payload)
            user = view.user(data["user"])
            if user is None:
                continue
            if "video" in data:
                video = view.video(data["video"])
                edge = view.edge(user, video) if video is not None else None
                active = edge is not None and edge.flagged
            else:
                active = user.flagged
            if active:
                events.append(
                    {
                        "type": "integrity.clear",
                        "ts": now,
                        "id": f"integrity-clear:{seq}",
                        "user": data["user"],
                        "video": data.get("video"),
                        "detector": "appeal",
                    }
                )
    ingest = ledger.ingest_objects(events)
    return {
        "campaign": campaign,
        "cleared": ingest.accepted,
        "rejected": ingest.rejected,
        "last_seq": ingest.last_seq,
    }


def _keyed(ledger: Ledger, prefix: str) -> list[tuple[int, str, bytes]]:
    rows: list[tuple[int, str, bytes]] = ledger.store.keyed_events(prefix)  # type: ignore[attr-defined]
    return rows
