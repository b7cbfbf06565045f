"""The scan report as JSON-ready data, in wire ids when the like table carries the names.

Keys (the CLI contract of issue 4): `campaigns`, `flags`, `impact`. Pure: builds dicts only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from likeledger.integrity.model import I64, Campaign, LikeTable, ScanResult


def _ids(names: tuple[str, ...] | None, idx: I64) -> list[Any]:
    if names is None:
        return [int(i) for i in idx.tolist()]
    return [names[i] for i in idx.tolist()]


def _campaign(c: Campaign, t: LikeTable | None) -> dict[str, Any]:
    users = t.user_names if t else None
    videos = t.video_names if t else None
    return {
        "id": c.id,
        "accounts": _ids(users, c.accounts),
        "hijacked_accounts": _ids(users, c.hijacked),
        "targets": _ids(videos, c.targets),
        "window": {"start": c.window_start, "end": c.window_end},
        "likes": c.likes,
        "score": round(c.score, 6),
        "evidence": {
            "density": round(c.evidence.density, 6),
            "burst": round(c.evidence.burst, 6),
            "shared_targets": round(c.evidence.shared_targets, 6),
            "account_age_days": round(c.evidence.account_age_days, 3),
            "max_likes_per_hour": c.evidence.max_likes_per_hour,
            "peak_day_share": round(c.evidence.peak_day_share, 6),
        },
    }


def _flags(r: ScanResult) -> list[dict[str, Any]]:
    t = r.names
    users = t.user_names if t else None
    videos = t.video_names if t else None
    score = {c.id: round(c.score, 6) for c in r.campaigns}
    base = {"type": "integrity.flag", "detector": r.detector}
    out: list[dict[str, Any]] = []
    f = r.flags
    for user, cid in zip(_ids(users, f.accounts), f.account_campaign, strict=True):
        out.append({**base, "user": user, "score": score[cid], "campaign": cid})
    like_users, like_videos = _ids(users, f.like_users), _ids(videos, f.like_videos)
    for user, video, cid in zip(like_users, like_videos, f.like_campaign, strict=True):
        out.append({**base, "user": user, "video": video, "score": score[cid], "campaign": cid})
    return out


def _impact(r: ScanResult) -> dict[str, Any]:
    t = r.names
    videos = _ids(t.video_names if t else None, r.impact.videos)
    creators = _ids(t.creator_names if t else None, r.impact.creators)
    return {
        "videos": [
            {"video": v, "likes_lost": int(n)}
            for v, n in zip(videos, r.impact.video_losses.tolist(), strict=True)
        ],
        "creators": [
            {"creator": c, "likes_lost": int(n)}
            for c, n in zip(creators, r.impact.creator_losses.tolist(), strict=True)
        ],
    }


def result_to_json(r: ScanResult) -> dict[str, Any]:
    """`{"detector", "campaigns", "flags", "impact"}` for one scan."""
    return {
        "detector": r.detector,
        "campaigns": [_campaign(c, r.names) for c in r.campaigns],
        "flags": _flags(r),
        "impact": _impact(r),
    }
