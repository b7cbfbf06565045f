"""Plain-language wording for causes and hidden reasons: what a creator reads.

Integrity removals are only ever described in aggregate: no account names, so bot
operators learn nothing they could probe.
"""

from __future__ import annotations

from typing import Final

from .exposure import Attribution
from .results import Explanation
from .times import format_ts

CAUSE_TEXT: Final = {
    "like": "new likes",
    "unlike": "people took their like back",
    "block": "likes set aside because of a block between you and the liker",
    "unblock": "likes back after a block was lifted",
    "integrity_flag": "likes from inauthentic accounts or activity removed",
    "integrity_clear": "likes restored after an integrity review",
    "video_deleted": "likes of deleted videos",
    "account_active": "likes back from accounts that returned",
    "account_deactivated": "likes from accounts that were deactivated (they may come back)",
    "account_suspended": "likes from suspended accounts",
    "account_banned": "likes from banned accounts",
    "account_deleted": "likes from deleted accounts (or of your own deleted account)",
    "moderation_remove": "likes of videos removed for a guideline violation",
    "moderation_restrict": "likes back after a removal was reduced to a restriction",
    "moderation_restore": "likes back after a video was restored",
    "repair": "corrections written by reconciliation",
}

REASON_TEXT: Final = {
    "deleted": "the video is deleted",
    "creator_inactive": "the creator's account is not active",
    "removed": "moderation removed the video",
    "blocked": "there is a block between the viewer and the creator",
    "private": "the video is private",
    "friends_only": "the video is for friends (mutual follows) only",
    "restricted": "moderation restricted the video to the creator's followers",
}


def window_text(since: int | None, until: int | None) -> str:
    start = "the beginning" if since is None else format_ts(since)
    end = "now" if until is None else format_ts(until)
    return f"{start} → {end}"


def explanation_lines(exp: Explanation) -> list[str]:
    """A short, readable account of one explanation."""
    owner = f" by {exp.creator}" if exp.creator else ""
    what = "profile total" if exp.kind == "creator" else "likes"
    window = window_text(exp.since, exp.until)
    lines = [f"{exp.subject}{owner}: {exp.start} → {exp.end} {what} ({window})"]
    for cause, delta in sorted(exp.changes.items(), key=lambda item: item[1]):
        lines.append(f"  {delta:+6d}  {cause:<20} {CAUSE_TEXT.get(cause, '')}")
    if not exp.changes:
        lines.append("  no changes in this window")
    if exp.exposure is not None:
        lines.append(f"  exposure: {exp.exposure.sentence}")
    return lines


ADVICE: Final = {
    "integrity_flag": "Inauthentic likes were removed. Don't buy engagement: purchased likes are "
    "found and removed, and they never reach real viewers.",
    "integrity_clear": "Some removed likes were reviewed and restored; nothing to do.",
    "moderation_remove": "A video was removed under a community guideline. Review the cited "
    "policy and appeal if you believe it was a mistake.",
    "moderation_restore": "An appeal succeeded and the video's likes count again.",
    "moderation_restrict": "A removal was reduced to a restriction: only followers can see it now.",
    "account_deactivated": "Some fans deactivated their accounts. Nothing to do: their likes come "
    "back if they return.",
    "account_suspended": "Likes from suspended accounts are on hold until the suspension ends.",
    "account_banned": "Likes from banned accounts are gone for good: they broke the rules, "
    "not you.",
    "account_deleted": "Some fans deleted their accounts; those likes are gone for good.",
    "block": "Blocking someone also sets their likes on your videos aside; unblocking "
    "restores them.",
    "unlike": "Some viewers took back their like; look at which videos lost them.",
    "video_deleted": "Deleted videos no longer count towards your profile total.",
    "repair": "A counting error was corrected by the platform; your numbers are exact again.",
}


def advice_lines(changes: dict[str, int]) -> list[str]:
    """What to do, keyed to the causes that moved the count (losses first)."""
    ranked = sorted(changes.items(), key=lambda item: item[1])
    return [f"  → {ADVICE[cause]}" for cause, delta in ranked if delta and cause in ADVICE]


def exposure_advice(split: Attribution | None) -> list[str]:
    """What to do about reach versus like rate, when one of them clearly moved."""
    if split is None or split.change >= 0:
        return []
    if abs(split.exposure) >= abs(split.engagement):
        fresh = (
            f" after ranking version {split.new_versions[-1].version} went live"
            if split.new_versions
            else ""
        )
        return [
            f"  → Fewer people were shown your videos{fresh}. Check completion (hook viewers "
            "in the first seconds) and use hashtags your audience follows; the feed rewards both."
        ]
    return [
        "  → About as many people saw your videos but fewer liked them: compare your recent "
        "videos with the ones that did well."
    ]
