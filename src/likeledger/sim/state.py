"""The simulator's own mirror of ledger state, and its bookkeeping of every count change.

It answers "would the ledger accept this?" (SEMANTICS.md sections 3 and 5) so that only
acceptable events are emitted, and applies the counting rule of section 4 to record each
change of ``likes(v)`` and ``total(c)`` in the :class:`~likeledger.sim.truth.Truth`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

    from .truth import Truth

LIKED: Final = 1
FLAGGED: Final = 2
ACTIVE: Final = "active"
DELETED: Final = "deleted"
REMOVED: Final = "removed"
RESTRICTED: Final = "restricted"
MODERATION_STATE: Final = {"remove": REMOVED, "restrict": RESTRICTED, "restore": None}


class World:
    """Accounts, videos, like edges, follows and blocks, indexed by simulation ids."""

    def __init__(self, *, users: int, creator_of: list[int], truth: Truth) -> None:
        nv = len(creator_of)
        self.nu, self.nv, self.truth = users, nv, truth
        self.status: list[str] = [ACTIVE] * users
        self.flagged = bytearray(users)
        self.edges: dict[int, int] = {}  # u * nv + v -> LIKED | FLAGGED bits
        self.edge_videos: list[list[int]] = [[] for _ in range(users)]
        self.follows: set[int] = set()  # a * nu + b: a follows b
        self.followers: dict[int, set[int]] = defaultdict(set)
        self.blocks: set[int] = set()  # a * nu + b: a blocks b
        self.block_peers: dict[int, set[int]] = {}  # either direction, for quick checks
        self.creator = creator_of
        self.published = bytearray(nv)
        self.deleted = bytearray(nv)
        self.moderation: list[str | None] = [None] * nv
        self.visibility: list[str] = ["public"] * nv
        self.likes = [0] * nv
        self.videos_of: dict[int, list[int]] = defaultdict(list)
        self.totals: dict[int, int] = defaultdict(int)
        self.dirty: set[int] = set()  # videos whose audience changed since the feed looked
        self.status_dirty: set[int] = set()  # accounts whose status changed since then

    # -- questions -------------------------------------------------------------------

    def live(self, v: int) -> bool:
        """Published and not deleted: events may name it."""
        return bool(self.published[v]) and not self.deleted[v]

    def usable(self, u: int) -> bool:
        """Not deleted: events may name the account."""
        return self.status[u] != DELETED

    def active(self, u: int) -> bool:
        """May act (like, follow, block, publish)."""
        return self.status[u] == ACTIVE

    def blocked_between(self, a: int, b: int) -> bool:
        peers = self.block_peers.get(a)
        return peers is not None and b in peers

    def follows_(self, a: int, b: int) -> bool:
        return a * self.nu + b in self.follows

    def hidden(self, w: int, v: int) -> str | None:
        """SEMANTICS.md section 5: why viewer ``w`` may not see ``v``, or None."""
        if self.deleted[v]:
            return "deleted"
        c = self.creator[v]
        if w == c:
            return None
        if self.status[c] != ACTIVE:
            return "creator_inactive"
        mod = self.moderation[v]
        if mod == REMOVED:
            return "removed"
        if self.blocked_between(w, c):
            return "blocked"
        vis = self.visibility[v]
        if vis == "private":
            return "private"
        if vis == "friends" and not (self.follows_(w, c) and self.follows_(c, w)):
            return "friends_only"
        if mod == RESTRICTED and not self.follows_(w, c):
            return "restricted"
        return None

    def can_like(self, u: int, v: int) -> bool:
        return self.status[u] == ACTIVE and self.live(v) and self.hidden(u, v) is None

    def is_liked(self, u: int, v: int) -> bool:
        return bool(self.edges.get(u * self.nv + v, 0) & LIKED)

    def counts(self, u: int, v: int) -> bool:
        """SEMANTICS.md section 4: whether u's like of v counts (v not deleted)."""
        bits = self.edges.get(u * self.nv + v, 0)
        return (
            bits == LIKED
            and self.status[u] == ACTIVE
            and not self.flagged[u]
            and not self.deleted[v]
            and not self.blocked_between(u, self.creator[v])
        )

    def in_total(self, v: int) -> bool:
        return not self.deleted[v] and self.moderation[v] != REMOVED

    def liked_videos(self, u: int, creator: int | None = None) -> list[int]:
        """Live videos u currently likes (optionally only those of ``creator``)."""
        base, edges = u * self.nv, self.edges
        return [
            v
            for v in self.edge_videos[u]
            if edges[base + v] & LIKED
            and not self.deleted[v]
            and (creator is None or self.creator[v] == creator)
        ]

    # -- changes ---------------------------------------------------------------------

    def like(self, u: int, v: int, *, ts: int, on: bool) -> None:
        """Apply an accepted, non-stale like (``on``) or unlike."""
        key = u * self.nv + v
        bits = self.edges.get(key)
        if bits is None:
            self.edge_videos[u].append(v)
            bits = 0
        new = (bits | LIKED) if on else (bits & ~LIKED)
        self.edges[key] = new
        if new == bits or bits & FLAGGED or self.flagged[u] or self.status[u] != ACTIVE:
            return  # the like state did not change, or it does not count either way
        if self.deleted[v] or self.blocked_between(u, self.creator[v]):
            return
        self._single(v, ts=ts, cause="like" if on else "unlike", delta=1 if on else -1)

    def flag_like(self, u: int, v: int, *, ts: int, on: bool) -> None:
        key = u * self.nv + v
        bits = self.edges.get(key)
        if bits is None:
            self.edge_videos[u].append(v)
            bits = 0
        before = self.counts(u, v)
        self.edges[key] = (bits | FLAGGED) if on else (bits & ~FLAGGED)
        cause = "integrity_flag" if on else "integrity_clear"
        if self.counts(u, v) != before:
            self._single(v, ts=ts, cause=cause, delta=-1 if before else 1)

    def flag_user(self, u: int, *, ts: int, on: bool) -> None:
        if bool(self.flagged[u]) != on:
            cause = "integrity_flag" if on else "integrity_clear"
            self._recount([u], lambda: self._set_flag(u, on), ts=ts, cause=cause)

    def set_status(self, u: int, status: str, *, ts: int) -> None:
        cause, touched = f"account_{status}", self._creator_deltas()
        if status == DELETED:
            for v in self.videos_of.get(u, ()):
                if not self.deleted[v]:
                    self._delete(v, touched)
        self._flush(touched, ts=ts, cause=cause)
        self._recount([u], lambda: self._set_status(u, status), ts=ts, cause=cause)
        self.dirty.update(self.videos_of.get(u, ()))

    def block(self, a: int, b: int, *, ts: int, on: bool) -> None:
        key = a * self.nu + b
        if (key in self.blocks) == on:
            return
        cause = "block" if on else "unblock"
        self._recount([a, b], lambda: self._set_block(a, b, on), ts=ts, cause=cause, pair=True)

    def follow(self, a: int, b: int, *, on: bool) -> None:
        if on:
            self.follows.add(a * self.nu + b)
            self.followers[b].add(a)
        else:
            self.follows.discard(a * self.nu + b)
            self.followers[b].discard(a)

    def publish(self, v: int, visibility: str) -> None:
        self.published[v] = 1
        self.visibility[v] = visibility
        self.videos_of[self.creator[v]].append(v)
        self.dirty.add(v)

    def set_visibility(self, v: int, visibility: str) -> None:
        self.visibility[v] = visibility
        self.dirty.add(v)

    def moderate(self, v: int, action: str, *, ts: int) -> None:
        was_in, touched = self.in_total(v), self._creator_deltas()
        self.moderation[v] = MODERATION_STATE[action]
        if self.in_total(v) != was_in and self.likes[v]:
            touched[self.creator[v]] += -self.likes[v] if was_in else self.likes[v]
        self._flush(touched, ts=ts, cause=f"moderation_{action}")
        self.dirty.add(v)

    def delete_video(self, v: int, *, ts: int) -> None:
        touched = self._creator_deltas()
        self._delete(v, touched)
        self._flush(touched, ts=ts, cause="video_deleted")

    # -- internals -------------------------------------------------------------------

    def _creator_deltas(self) -> dict[int, int]:
        return defaultdict(int)

    def _single(self, v: int, *, ts: int, cause: str, delta: int) -> None:
        self.likes[v] += delta
        self.truth.video(v, ts=ts, cause=cause, delta=delta)
        if self.in_total(v):
            c = self.creator[v]
            self.totals[c] += delta
            self.truth.creator(c, ts=ts, cause=cause, delta=delta)

    def _delete(self, v: int, touched: dict[int, int]) -> None:
        if self.in_total(v) and self.likes[v]:
            touched[self.creator[v]] -= self.likes[v]
        self.deleted[v] = 1
        self.dirty.add(v)

    def _flush(self, touched: dict[int, int], *, ts: int, cause: str) -> None:
        for c, delta in touched.items():
            if delta:
                self.totals[c] += delta
                self.truth.creator(c, ts=ts, cause=cause, delta=delta)

    def _recount(
        self,
        users: list[int],
        mutate: Callable[[], None],
        *,
        ts: int,
        cause: str,
        pair: bool = False,
    ) -> None:
        """Apply ``mutate`` and record every like of ``users`` whose counting flipped."""
        if pair:  # a block touches only the two accounts' likes of each other's videos
            a, b = users
            edges = [(a, v) for v in self.liked_videos(a, b)]
            edges += [(b, v) for v in self.liked_videos(b, a)]
        else:
            edges = [(u, v) for u in users for v in self.liked_videos(u)]
        before = [self.counts(u, v) for u, v in edges]
        mutate()
        touched = self._creator_deltas()
        for (u, v), was in zip(edges, before, strict=True):
            now = self.counts(u, v)
            if now != was:
                delta = 1 if now else -1
                self.likes[v] += delta
                self.truth.video(v, ts=ts, cause=cause, delta=delta)
                if self.in_total(v):
                    touched[self.creator[v]] += delta
        self._flush(touched, ts=ts, cause=cause)

    def _set_flag(self, u: int, on: bool) -> None:
        self.flagged[u] = int(on)

    def _set_status(self, u: int, status: str) -> None:
        self.status[u] = status
        self.status_dirty.add(u)

    def _set_block(self, a: int, b: int, on: bool) -> None:
        if on:
            self.blocks.add(a * self.nu + b)
            self.block_peers.setdefault(a, set()).add(b)
            self.block_peers.setdefault(b, set()).add(a)
            return
        self.blocks.discard(a * self.nu + b)
        if b * self.nu + a not in self.blocks:
            self.block_peers[a].discard(b)
            self.block_peers[b].discard(a)
