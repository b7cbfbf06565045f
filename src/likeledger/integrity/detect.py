"""The two detectors: `scan` (time-aware, burst-weighted Fraudar) and `scan_plain` (baseline).

`scan` peels account sessions x (video, episode) with Fraudar's 1/log(d + c) popularity weights
scaled by each episode's HoloScope-style burst score (a calm episode keeps 10%), then turns the
blocks into campaigns. `scan_plain` peels accounts x videos with the plain Fraudar weights only.
Both are pure functions of the like table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likeledger.integrity import campaigns as cmp
from likeledger.integrity.fraudar import Block, Graph, column_weights, find_blocks
from likeledger.integrity.model import F64, I64, LikeTable, ScanResult
from likeledger.integrity.temporal import Episodes, episodes, sessions

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Knobs of the detectors. The defaults are the ones bench/integrity_eval.py measured."""

    gap_ms: int = 12 * HOUR_MS  # a longer silence on a video starts a new episode
    max_span_ms: int = 2 * DAY_MS  # an episode never lasts longer
    session_gap_ms: int = 6 * HOUR_MS  # an account's likes this far apart are two sessions
    session_span_ms: int = DAY_MS  # a session never lasts longer
    reach_ms: int = 3 * DAY_MS  # a video's usual rate is measured this far around an episode
    calm_weight: float = 0.1  # an episode with no burst keeps this share of its Fraudar weight
    weight_c: float = 5.0  # Fraudar's c in 1/log(d + c)
    # least block density worth a campaign: 1.1 x the densest block (0.644) that this detector
    # found in a clean synthetic background of 10M likes (held-out seed 0, bench/integrity_eval.py)
    min_density: float = 0.7
    max_blocks: int = 200  # most blocks peeled in one scan
    eps: float = 0.02  # peel batch tolerance (see fraudar.peel)
    min_accounts: int = 10  # a campaign has at least this many accounts
    min_targets: int = 5  # and at least this many target videos
    history_gap_ms: int = 7 * DAY_MS  # organic history = likes this long before the campaign
    min_history: int = 3  # this many such likes make an account hijacked, not fake
    min_age_ms: int = 30 * DAY_MS  # and so does being this old when the campaign starts
    new_account_ms: int = 0  # accounts this young may join on one target like (0: off)

    def policy(self, *, temporal: bool) -> cmp.Policy:
        return cmp.Policy(
            min_accounts=self.min_accounts,
            min_targets=self.min_targets,
            history_gap_ms=self.history_gap_ms,
            min_history=self.min_history,
            min_age_ms=self.min_age_ms,
            new_account_ms=self.new_account_ms,
            expand=temporal,
            hijack_scope_window=temporal,
        )


PLAIN = ScanConfig(min_density=6.9)  # 1.1 x the densest block of a clean 10M-like background


def _select(table: LikeTable, since: int | None, until: int | None) -> LikeTable:
    if since is None and until is None:
        return table
    keep = np.ones(table.n_likes, dtype=bool)
    if since is not None:
        keep &= table.ts >= since
    if until is not None:
        keep &= table.ts < until
    return LikeTable(
        table.user[keep],
        table.video[keep],
        table.ts[keep],
        table.first_seen_ts,
        table.creator_of_video,
        table.user_names,
        table.video_names,
        table.creator_names,
    )


def _temporal_graph(table: LikeTable, ep: Episodes, cfg: ScanConfig) -> tuple[Graph, I64]:
    """Account sessions x video episodes: likes in shared episodes, weighted by Fraudar's
    1/log(d + c) scaled by the burst score. Rows are sessions, not accounts, so that an account
    only adds to a block with the likes it gave at the same time (a heavy user's year of
    likes on many launches is no block; a bot's burst of likes on the targets is)."""
    rows = np.flatnonzero(ep.count[ep.column] >= 2).astype(np.int64)
    col = ep.column[rows]
    session, n_sessions = sessions(
        table.user[rows].astype(np.int64),
        table.ts[rows],
        gap_ms=cfg.session_gap_ms,
        max_span_ms=cfg.session_span_ms,
    )
    scale = cfg.calm_weight + (1.0 - cfg.calm_weight) * ep.burst[col]
    weight: F64 = scale / np.log(ep.count[col] + cfg.weight_c)
    return Graph(session, col, weight, n_sessions, ep.n), rows


def _drafts(
    table: LikeTable,
    graph: Graph,
    rows: I64,
    blocks: list[Block],
    burst: F64,
    cols: cmp.Columns,
    policy: cmp.Policy,
) -> list[cmp.Draft]:
    """One draft per group of blocks sharing accounts; `rows` maps graph edges to table rows."""
    cores, users, dens, bursts = [], [], [], []
    for b in blocks:
        inside = np.isin(graph.rows, b.rows) & np.isin(graph.cols, b.cols)
        if policy.expand and not cmp.owns_its_columns(rows[inside], cols):
            continue  # bots' camouflage on popular videos, or heavy users: not a campaign
        cores.append(rows[inside])
        users.append(np.unique(table.user[rows[inside]]).astype(np.int64))
        dens.append(b.density)
        bursts.append(float(burst[graph.cols[inside]].mean()) if burst.size else 0.0)
    drafts = []
    for group in cmp.merge(users):
        core = np.unique(np.concatenate([cores[i] for i in group]))
        best = max(group, key=lambda i: dens[i])
        d = cmp.draft(table, core, cols=cols, density=dens[best], burst=bursts[best], policy=policy)
        if d is not None:
            drafts.append(d)
    return drafts


def _result(table: LikeTable, drafts: list[cmp.Draft], detector: str) -> ScanResult:
    found, flags, mask = cmp.finish(table, drafts)
    return ScanResult(found, flags, cmp.impact(table, mask), mask, detector, table)


def scan(
    likes: LikeTable,
    config: ScanConfig | None = None,
    *,
    since: int | None = None,
    until: int | None = None,
) -> ScanResult:
    """Find coordinated like campaigns: the time-aware, burst-weighted Fraudar detector.

    Args:
        likes: the like table (current likes, one row per (user, video)).
        config: detector knobs; `ScanConfig()` by default.
        since: only likes with ts >= since (ms) are scanned.
        until: only likes with ts < until (ms) are scanned.

    Returns:
        The campaigns, the flags to append and their impact. Deterministic: the same table gives
        the same result.
    """
    cfg = config or ScanConfig()
    table = _select(likes, since, until)
    if table.n_likes == 0:
        return _result(table, [], "fraudar-temporal")
    ep = episodes(
        table.video.astype(np.int64),
        table.ts,
        gap_ms=cfg.gap_ms,
        max_span_ms=cfg.max_span_ms,
        reach_ms=cfg.reach_ms,
    )
    graph, rows = _temporal_graph(table, ep, cfg)
    blocks = find_blocks(graph, max_blocks=cfg.max_blocks, min_density=cfg.min_density, eps=cfg.eps)
    cols = cmp.Columns(ep.column, ep.count)
    drafts = _drafts(table, graph, rows, blocks, ep.burst, cols, cfg.policy(temporal=True))
    return _result(table, drafts, "fraudar-temporal")


def scan_plain(
    likes: LikeTable,
    config: ScanConfig | None = None,
    *,
    since: int | None = None,
    until: int | None = None,
) -> ScanResult:
    """The baseline: plain Fraudar on accounts x videos, no time buckets, no burst weighting."""
    cfg = config or PLAIN
    table = _select(likes, since, until)
    if table.n_likes == 0:
        return _result(table, [], "fraudar-plain")
    video = table.video.astype(np.int64)
    weight = column_weights(video, table.n_videos, c=cfg.weight_c)[video]
    graph = Graph(table.user.astype(np.int64), video, weight, table.n_users, table.n_videos)
    rows = np.arange(table.n_likes, dtype=np.int64)
    blocks = find_blocks(graph, max_blocks=cfg.max_blocks, min_density=cfg.min_density, eps=cfg.eps)
    cols = cmp.Columns(graph.cols, np.bincount(graph.cols, minlength=table.n_videos))
    policy = cfg.policy(temporal=False)
    drafts = _drafts(table, graph, rows, blocks, np.zeros(0), cols, policy)
    return _result(table, drafts, "fraudar-plain")
