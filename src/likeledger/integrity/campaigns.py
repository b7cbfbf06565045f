"""Turn peeled blocks into campaigns, the flags that remove them, and their impact.

Fake accounts are flagged whole. A hijacked account (one with an organic history well before the
campaign) is flagged like by like, so its owner's genuine likes keep counting. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeledger.integrity.model import (
    I64,
    Campaign,
    Evidence,
    Flags,
    Impact,
    LikeTable,
    campaign_id,
)
from likeledger.integrity.signals import account_signals

Mask = NDArray[np.bool_]
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Policy:
    """How a block becomes a campaign (see ScanConfig for the meaning of each knob)."""

    min_accounts: int
    min_targets: int
    history_gap_ms: int
    min_history: int
    min_age_ms: int
    new_account_ms: int
    expand: bool  # pull in accounts the peel dropped but which hit the targets in the window
    hijack_scope_window: bool  # hijacked: flag every like in the window (else: only on targets)


@dataclass(frozen=True, slots=True)
class Draft:
    """A campaign before ids and flags: the table rows its flags remove, and its pieces."""

    accounts: I64
    hijacked: I64
    targets: I64
    start: int
    end: int
    rows: I64
    density: float
    burst: float
    shared: float


@dataclass(frozen=True, slots=True)
class Columns:
    """The detection graph's column of every like in the table, and each column's like count."""

    of_like: I64
    count: I64


def owned_columns(core: I64, cols: Columns) -> I64:
    """Columns the block owns: at least half of their likes are block edges (HoloScope's
    contrast). Popular columns that bots merely camouflage on are not owned."""
    col, k = np.unique(cols.of_like[core], return_counts=True)
    owned: I64 = col[2 * k >= cols.count[col]]
    return owned


def owns_its_columns(core: I64, cols: Columns) -> bool:
    """True when most of a block's edges lie in columns it owns. A block that merely shares
    popular columns with everyone else (camouflage, heavy users) is not a campaign."""
    owned = owned_columns(core, cols)
    return 2 * int(np.isin(cols.of_like[core], owned).sum()) >= core.size


def _expand(
    table: LikeTable, core: I64, owned: I64, cols: Columns, window: tuple[int, int], policy: Policy
) -> I64:
    """Core accounts plus accounts with two likes in owned columns inside the window (one if
    the account was created shortly before the window)."""
    hits = np.flatnonzero(np.isin(cols.of_like, owned))
    hits = hits[(table.ts[hits] >= window[0]) & (table.ts[hits] <= window[1])]
    users, n_hits = np.unique(table.user[hits], return_counts=True)
    joined = n_hits >= 2
    if table.first_seen_ts is not None and policy.new_account_ms > 0:
        joined |= table.first_seen_ts[users] >= window[0] - policy.new_account_ms
    return np.union1d(np.unique(table.user[core]), users[joined]).astype(np.int64)


def _hijacked(table: LikeTable, accounts: I64, start: int, policy: Policy) -> Mask:
    """Accounts with an organic past: created `min_age_ms` before the campaign, or with
    `min_history` likes older than it by `history_gap_ms`. Bot farms make fresh accounts; an
    old account in a campaign was taken over, and its owner's likes must keep counting."""
    rows = np.flatnonzero(np.isin(table.user, accounts))
    old = rows[table.ts[rows] < start - policy.history_gap_ms]
    local = np.searchsorted(accounts, table.user[old])
    history = np.bincount(local, minlength=accounts.shape[0])
    first = np.full(accounts.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, np.searchsorted(accounts, table.user[rows]), table.ts[rows])
    if table.first_seen_ts is not None:
        first = np.minimum(first, table.first_seen_ts[accounts])
    aged: Mask = (first <= start - policy.min_age_ms) | (history >= policy.min_history)
    return aged


def _flag_rows(table: LikeTable, d: Draft, policy: Policy) -> I64:
    fake = np.setdiff1d(d.accounts, d.hijacked)
    rows = np.flatnonzero(np.isin(table.user, d.accounts))
    user, ts = table.user[rows], table.ts[rows]
    whole = np.isin(user, fake)
    if policy.hijack_scope_window:
        part = (ts >= d.start) & (ts <= d.end)
    else:
        part = np.isin(table.video[rows], d.targets)
    return rows[whole | part].astype(np.int64)


def draft(
    table: LikeTable,
    core: I64,
    *,
    cols: Columns,
    density: float,
    burst: float,
    policy: Policy,
    lead: I64 | None = None,
) -> Draft | None:
    """A campaign draft from the table rows of one block, or None if it is too small.

    Args:
        table: the like table.
        core: rows of `table` that are the block's edges.
        cols: the detection graph's columns, to tell the block's own columns from popular ones.
        density: the block's density (its score).
        burst: the block's mean burst score.
        policy: sizes, the hijack rule and the expansion rule.
        lead: rows of the densest block when `core` joins several; only the columns it owns
            set the targets, the window and the expansion (the other blocks add accounts), so
            a farm's camouflage sessions never stretch it over other farms' camouflage.
    """
    owned = owned_columns(core if lead is None else lead, cols)
    in_owned = core[np.isin(cols.of_like[core], owned)]
    timed = in_owned if in_owned.size else core
    start, end = int(table.ts[timed].min()), int(table.ts[timed].max())
    if policy.expand:
        accounts = _expand(table, core, owned, cols, (start, end), policy)
    else:
        accounts = np.unique(table.user[core]).astype(np.int64)
    targets = np.unique(table.video[timed]).astype(np.int64)
    if accounts.size < policy.min_accounts or targets.size < policy.min_targets:
        return None
    hijacked = accounts[_hijacked(table, accounts, start, policy)]
    d = Draft(accounts, hijacked, targets, start, end, core, density, burst, 0.0)
    rows = _flag_rows(table, d, policy)
    shared = float(np.isin(table.video[rows], targets).sum() / accounts.size)
    return Draft(accounts, hijacked, targets, start, end, rows, density, burst, shared)


def merge(groups: list[I64], *, overlap: float = 0.3) -> list[list[int]]:
    """Indexes of account sets grouped when two share `overlap` of the smaller one (union-find):
    one campaign often peels as several blocks (its sessions, its camouflage)."""
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(groups)):
        for j in range(i):
            shared = np.intersect1d(groups[i], groups[j], assume_unique=True).size
            if shared >= overlap * min(groups[i].size, groups[j].size):
                parent[root(i)] = root(j)
    out: dict[int, list[int]] = {}
    for i in range(len(groups)):
        out.setdefault(root(i), []).append(i)
    return list(out.values())


def assign(groups: list[I64], *, overlap: float = 0.3) -> list[list[int]]:
    """Indexes of account sets grouped greedily in the given order (densest first): each joins
    the group it shares most accounts with if they share `overlap` of the smaller, else starts
    one. Unlike `merge` a set never joins two groups: a small piece touching two farms (their
    hijacked accounts meeting on camouflage) goes to one of them, and the farms stay apart."""
    members: list[I64] = []
    out: list[list[int]] = []
    for i, accounts in enumerate(groups):
        shared = [np.intersect1d(accounts, m, assume_unique=True).size for m in members]
        best = int(np.argmax(shared)) if shared else -1
        if best >= 0 and shared[best] >= overlap * min(accounts.size, members[best].size):
            out[best].append(i)
            members[best] = np.union1d(members[best], accounts)
        else:
            out.append([i])
            members.append(accounts)
    return out


def _names(names: tuple[str, ...] | None, idx: I64) -> list[str]:
    return [names[i] for i in idx.tolist()] if names is not None else [str(i) for i in idx]


def finish(table: LikeTable, drafts: list[Draft]) -> tuple[tuple[Campaign, ...], Flags, Mask]:
    """Campaigns with stable ids (densest first), their flags, and the rows the flags remove."""
    mask = np.zeros(table.n_likes, dtype=bool)
    out: list[Campaign] = []
    for d in sorted(drafts, key=lambda d: -d.density):
        cid = campaign_id(
            accounts=_names(table.user_names, d.accounts),
            targets=_names(table.video_names, d.targets),
        )
        new_rows = d.rows[~mask[d.rows]]
        mask[d.rows] = True
        evidence = _evidence(table, d)
        out.append(
            Campaign(
                cid,
                d.accounts,
                d.hijacked,
                d.targets,
                d.start,
                d.end,
                int(new_rows.size),
                d.density,
                evidence,
            )
        )
    return tuple(out), _flags(table, out, mask), mask


def _evidence(table: LikeTable, d: Draft) -> Evidence:
    sig = account_signals(table, d.accounts)
    return Evidence(
        density=d.density,
        burst=d.burst,
        shared_targets=d.shared,
        account_age_days=float(np.median(sig.age_at_first_like_days)),
        max_likes_per_hour=float(np.median(sig.max_per_hour)),
        peak_day_share=float(np.median(sig.peak_day_share)),
    )


def _flags(table: LikeTable, campaigns: list[Campaign], mask: Mask) -> Flags:
    """Account flags for fake accounts; like flags for the rest of the removed rows."""
    acc: dict[int, str] = {}
    for c in campaigns:
        for u in np.setdiff1d(c.accounts, c.hijacked).tolist():
            acc.setdefault(u, c.id)
    accounts = np.array(sorted(acc), dtype=np.int64)
    rows = np.flatnonzero(mask & ~np.isin(table.user, accounts))
    rows = rows[np.lexsort((table.video[rows], table.user[rows]))]
    owner = {u: c.id for c in reversed(campaigns) for u in c.hijacked.tolist()}
    users = table.user[rows].astype(np.int64)
    return Flags(
        accounts,
        users,
        table.video[rows].astype(np.int64),
        tuple(acc[u] for u in accounts.tolist()),
        tuple(owner[u] for u in users.tolist()),
    )


def impact(table: LikeTable, mask: Mask) -> Impact:
    """Likes each video and creator would lose if the rows in `mask` stopped counting."""
    lost_v = np.bincount(table.video[mask], minlength=table.n_videos)
    videos = np.flatnonzero(lost_v).astype(np.int64)
    if table.creator_of_video is None:
        empty = np.zeros(0, dtype=np.int64)
        return Impact(videos, lost_v[videos].astype(np.int64), empty, empty)
    lost_c = np.bincount(table.creator_of_video[videos], lost_v[videos]).astype(np.int64)
    creators = np.flatnonzero(lost_c).astype(np.int64)
    return Impact(videos, lost_v[videos].astype(np.int64), creators, lost_c[creators])
