"""The two detectors: `scan` (time-aware, burst-weighted Fraudar) and `scan_plain` (baseline).

`scan` peels account sessions x (video, episode) with Fraudar's 1/log(d + c) popularity weights
scaled by each episode's HoloScope-style burst score (a calm episode keeps 10%), cuts each block
along the columns it owns (so farms meeting on camouflage come apart), then turns the pieces into
campaigns. `scan_plain` peels accounts x videos with the plain Fraudar weights only.
Both are pure functions of the like table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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


Core = tuple[I64, float]  # graph edge ids of a candidate campaign, and its density


def _pieces(graph: Graph, rows: I64, block: Block, cols: cmp.Columns) -> list[Core]:
    """A temporal block cut along its own columns: the connected pieces of its sessions x the
    columns it owns (HoloScope's contrast, see campaigns.owns_its_columns), each with every block
    edge of its sessions and its own density. Two farms whose sessions meet only on popular
    camouflage columns peel as one block; cut there, each farm is a piece that owns its targets."""
    inside = np.flatnonzero(np.isin(graph.rows, block.rows) & np.isin(graph.cols, block.cols))
    if inside.size == 0:
        return []
    owned = np.isin(graph.cols[inside], cmp.owned_columns(rows[inside], cols))
    r, c = graph.rows[inside], graph.cols[inside]
    sess, r_idx = np.unique(r, return_inverse=True)
    col, c_idx = np.unique(c[owned], return_inverse=True)
    n = sess.size + col.size
    adj = coo_matrix((np.ones(c_idx.size), (r_idx[owned], c_idx + sess.size)), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    has_owned = np.bincount(r_idx[owned], minlength=sess.size) > 0
    part = np.where(has_owned[r_idx], label[r_idx], -1)  # sessions with no owned edge leave
    out = []
    for k in np.unique(part[part >= 0]).tolist():
        edges = inside[part == k]
        size = np.unique(graph.rows[edges]).size + np.unique(graph.cols[edges]).size
        out.append((edges, float(graph.weights[edges].sum() / size)))
    return out


def _cores(
    graph: Graph, rows: I64, blocks: list[Block], cols: cmp.Columns, *, temporal: bool, tau: float
) -> list[Core]:
    """Graph edge ids and density of each candidate campaign. Temporal blocks are cut into
    pieces (`_pieces`) and a piece must stay at least `tau` dense and own its columns; the
    plain baseline keeps its blocks whole."""
    if not temporal:
        return [
            (np.flatnonzero(np.isin(graph.rows, b.rows) & np.isin(graph.cols, b.cols)), b.density)
            for b in blocks
        ]
    pieces = [p for b in blocks for p in _pieces(graph, rows, b, cols)]
    return [
        (edges, density)
        for edges, density in pieces
        if density >= tau and cmp.owns_its_columns(rows[edges], cols)
    ]


def _drafts(
    table: LikeTable,
    graph: Graph,
    rows: I64,
    cores: list[Core],
    burst: F64,
    cols: cmp.Columns,
    policy: cmp.Policy,
) -> list[cmp.Draft]:
    """One draft per group of cores sharing accounts; `rows` maps graph edges to table rows.
    The temporal detector groups greedily, densest first (`campaigns.assign`); the baseline
    keeps its union-find (`campaigns.merge`)."""
    if policy.expand:
        cores = sorted(cores, key=lambda core: -core[1])
    users = [np.unique(table.user[rows[edges]]).astype(np.int64) for edges, _ in cores]
    drafts = []
    for group in cmp.assign(users) if policy.expand else cmp.merge(users):
        core = np.unique(np.concatenate([rows[cores[i][0]] for i in group]))
        best = max(group, key=lambda i: cores[i][1])
        edges, density = cores[best]
        strength = float(burst[graph.cols[edges]].mean()) if burst.size else 0.0
        lead = rows[edges] if policy.expand else None  # the baseline stays as it was
        d = cmp.draft(
            table, core, cols=cols, density=density, burst=strength, policy=policy, lead=lead
        )
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
    cores = _cores(graph, rows, blocks, cols, temporal=True, tau=cfg.min_density)
    drafts = _drafts(table, graph, rows, cores, ep.burst, cols, cfg.policy(temporal=True))
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
    cores = _cores(graph, rows, blocks, cols, temporal=False, tau=cfg.min_density)
    drafts = _drafts(table, graph, rows, cores, np.zeros(0), cols, cfg.policy(temporal=False))
    return _result(table, drafts, "fraudar-plain")
