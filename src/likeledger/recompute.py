"""Pure from-scratch recompute of every count from the ledger's accepted events.

Deliberately independent of the incremental engine: it folds the final state (last-writer-
wins like state, statuses, flags, blocks, videos) and applies the counting rule of
SEMANTICS.md section 4 once at the end. Reconcile and the property tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class _VideoFacts:
    creator: str
    deleted: bool = False
    moderation: str | None = None


@dataclass(slots=True)
class Truth:
    """Counts recomputed from scratch: likes per live video, total per creator."""

    likes: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Fold:
    status: dict[str, str] = field(default_factory=dict)
    user_flags: set[str] = field(default_factory=set)
    like_flags: set[tuple[str, str]] = field(default_factory=set)
    likes: dict[tuple[str, str], tuple[bool, int]] = field(default_factory=dict)
    blocks: set[tuple[str, str]] = field(default_factory=set)
    videos: dict[str, _VideoFacts] = field(default_factory=dict)

    def apply(self, etype: str, ts: int, d: Mapping[str, Any]) -> None:
        if etype in ("like", "unlike"):
            pair = (d["user"], d["video"])
            last = self.likes.get(pair)
            if last is None or ts >= last[1]:
                self.likes[pair] = (etype == "like", ts)
        elif etype in ("block", "unblock"):
            _toggle(self.blocks, (d["blocker"], d["blocked"]), etype == "block")
        elif etype in ("integrity.flag", "integrity.clear"):
            on = etype == "integrity.flag"
            if d.get("video") is None:
                _toggle(self.user_flags, d["user"], on)
            else:
                _toggle(self.like_flags, (d["user"], d["video"]), on)
        elif etype == "account.status":
            self.status[d["user"]] = d["status"]
            if d["status"] == "deleted":
                for facts in self.videos.values():
                    facts.deleted = facts.deleted or facts.creator == d["user"]
        else:
            self._video_event(etype, d)

    def _video_event(self, etype: str, d: Mapping[str, Any]) -> None:
        if etype == "video.published":
            self.videos[d["video"]] = _VideoFacts(d["creator"])
        elif etype == "video.deleted":
            self.videos[d["video"]].deleted = True
        elif etype == "moderation":
            action = d["action"]
            self.videos[d["video"]].moderation = {
                "remove": "removed",
                "restrict": "restricted",
            }.get(action)

    def counts(self, user: str, video: str, facts: _VideoFacts) -> bool:
        c = facts.creator
        return (
            self.status.get(user, "active") == "active"
            and user not in self.user_flags
            and (user, video) not in self.like_flags
            and (user, c) not in self.blocks
            and (c, user) not in self.blocks
        )


def _toggle(items: set[Any], item: Any, on: bool) -> None:
    if on:
        items.add(item)
    else:
        items.discard(item)


def recompute(events: Iterable[tuple[str, int, Mapping[str, Any]]]) -> Truth:
    """Fold accepted events (type, ts, own fields) in ledger order into the true counts."""
    fold = _Fold()
    for etype, ts, data in events:
        fold.apply(etype, ts, data)
    truth = Truth()
    for name, facts in fold.videos.items():
        if not facts.deleted:
            truth.likes[name] = 0
    for (user, video), (liked, _) in fold.likes.items():
        facts = fold.videos[video]
        if liked and not facts.deleted and fold.counts(user, video, facts):
            truth.likes[video] += 1
    for name, facts in fold.videos.items():
        if not facts.deleted and facts.moderation != "removed":
            truth.totals[facts.creator] = truth.totals.get(facts.creator, 0) + truth.likes[name]
    return truth
