"""Fraudar greedy peeling on a weighted bipartite graph (Hooi et al., KDD 2016), vectorised.

Pure numpy: rows are accounts, columns are whatever the caller chose (videos, or (video, time
episode) pairs). The objective is g(S) = f(S) / |S| with f = row priors + edge weights inside S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Graph:
    """Edges (rows[k], cols[k]) with weight weights[k]; optional per-row prior suspiciousness."""

    rows: I64
    cols: I64
    weights: F64
    n_rows: int
    n_cols: int
    row_prior: F64 | None = None

    def prior(self) -> F64:
        if self.row_prior is None:
            return np.zeros(self.n_rows)
        return self.row_prior

    def subgraph(self, keep: Mask) -> Graph:
        return Graph(
            self.rows[keep],
            self.cols[keep],
            self.weights[keep],
            self.n_rows,
            self.n_cols,
            self.row_prior,
        )


@dataclass(frozen=True, slots=True)
class Block:
    """A peeled block: its rows, its columns and its density g(S)."""

    rows: I64
    cols: I64
    density: float


def column_weights(cols: I64, n_cols: int, *, c: float = 5.0) -> F64:
    """Fraudar's popularity down-weighting: an edge into a column of degree d weighs 1/log(d+c)."""
    degree = np.bincount(cols, minlength=n_cols).astype(np.float64)
    weight: F64 = 1.0 / np.log(degree + c)
    return weight


def core_prune(graph: Graph, *, tau: float) -> Mask:
    """Edges surviving iterated removal of nodes whose weighted degree is below `tau`.

    Safe for any block of density >= tau that is locally optimal: each of its nodes has degree
    >= its density inside the block, so pruning never removes it (Charikar's argument).
    """
    prior = graph.prior()
    keep = np.ones(graph.rows.shape[0], dtype=bool)
    idx = np.arange(graph.rows.shape[0])
    while idx.size:
        r, c, w = graph.rows[idx], graph.cols[idx], graph.weights[idx]
        deg_r = np.bincount(r, w, graph.n_rows) + prior
        deg_c = np.bincount(c, w, graph.n_cols)
        ok = (deg_r[r] >= tau) & (deg_c[c] >= tau)
        if ok.all():
            break
        keep[idx[~ok]] = False
        idx = idx[ok]
    return keep


def _incidence(ends: I64, n_nodes: int) -> tuple[I64, I64]:
    """CSR of node -> incident edge ids (edge ids of one endpoint side)."""
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n_nodes), out=indptr[1:])
    return indptr, order.astype(np.int64)


def _gather(indptr: I64, edge_ids: I64, nodes: I64) -> I64:
    """All edge ids incident to `nodes`, without a Python loop over nodes."""
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    picked: I64 = edge_ids[base + np.arange(total)]
    return picked


class _Peeler:
    """State of one peeling run; `run` removes near-minimum-degree nodes pass by pass."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.row_ptr, self.row_edges = _incidence(graph.rows, graph.n_rows)
        self.col_ptr, self.col_edges = _incidence(graph.cols, graph.n_cols)
        prior = graph.prior()
        self.deg_r = np.bincount(graph.rows, graph.weights, graph.n_rows) + prior
        self.deg_c = np.bincount(graph.cols, graph.weights, graph.n_cols)
        self.edge_alive = np.ones(graph.rows.shape[0], dtype=bool)
        self.total = float(graph.weights.sum() + prior.sum())
        has_r = np.bincount(graph.rows, minlength=graph.n_rows) > 0
        self.alive_r = np.flatnonzero(has_r | (prior > 0))
        self.alive_c = np.flatnonzero(np.bincount(graph.cols, minlength=graph.n_cols) > 0)
        self.gone_r = np.full(graph.n_rows, -1, dtype=np.int64)
        self.gone_c = np.full(graph.n_cols, -1, dtype=np.int64)

    def _kill(self, ptr: I64, edges: I64, nodes: I64) -> None:
        e = _gather(ptr, edges, nodes)
        e = e[self.edge_alive[e]]
        self.edge_alive[e] = False
        w = self.g.weights[e]
        self.total -= float(w.sum())
        np.subtract.at(self.deg_r, self.g.rows[e], w)
        np.subtract.at(self.deg_c, self.g.cols[e], w)

    def run(self, eps: float) -> Block:
        densities: list[float] = []
        step = 0
        prior = self.g.prior()
        while self.alive_r.size + self.alive_c.size:
            dr, dc = self.deg_r[self.alive_r], self.deg_c[self.alive_c]
            low = min(dr.min(initial=np.inf), dc.min(initial=np.inf))
            cut = low * (1.0 + eps) + 1e-12
            densities.append(self.total / (self.alive_r.size + self.alive_c.size))
            out_r, out_c = self.alive_r[dr <= cut], self.alive_c[dc <= cut]
            self.alive_r, self.alive_c = self.alive_r[dr > cut], self.alive_c[dc > cut]
            self.gone_r[out_r], self.gone_c[out_c] = step, step
            self.total -= float(prior[out_r].sum())
            self._kill(self.row_ptr, self.row_edges, out_r)
            self._kill(self.col_ptr, self.col_edges, out_c)
            step += 1
        if not densities:
            return Block(np.zeros(0, np.int64), np.zeros(0, np.int64), 0.0)
        best = int(np.argmax(densities))
        return Block(
            np.flatnonzero(self.gone_r >= best),
            np.flatnonzero(self.gone_c >= best),
            densities[best],
        )


def peel(graph: Graph, *, eps: float = 0.0) -> Block:
    """Greedy peeling: repeatedly drop the node of least weighted degree, keep the densest prefix.

    With eps > 0 every node within a factor (1 + eps) of the current minimum leaves in the same
    pass (a 2(1 + eps)-approximation, like the exact greedy's 2-approximation, in far fewer passes).

    Args:
        graph: the weighted bipartite graph.
        eps: batch tolerance; 0 removes only the nodes tied at the minimum.

    Returns:
        The densest block met while peeling (empty if the graph has no edges).
    """
    return _Peeler(graph).run(eps)


def split(graph: Graph, block: Block) -> list[Block]:
    """The connected pieces of a block, each with its own density.

    Greedy peeling keeps two unrelated blocks of similar density together (their union is
    nearly as dense as either); a campaign is one connected piece.
    """
    inside = np.flatnonzero(np.isin(graph.rows, block.rows) & np.isin(graph.cols, block.cols))
    r, c = graph.rows[inside], graph.cols[inside]
    n_r, n_c = block.rows.size, block.cols.size
    lr, lc = np.searchsorted(block.rows, r), np.searchsorted(block.cols, c) + n_r
    adj = coo_matrix((np.ones(r.size), (lr, lc)), shape=(n_r + n_c, n_r + n_c))
    n_parts, label = connected_components(adj, directed=False)
    prior = graph.prior()[block.rows]
    mass = np.bincount(label[lr], graph.weights[inside], n_parts)
    mass += np.bincount(label[:n_r], prior, n_parts)
    size = np.bincount(label, minlength=n_parts)
    return [
        Block(block.rows[label[:n_r] == k], block.cols[label[n_r:] == k], mass[k] / size[k])
        for k in np.argsort(-mass / size, kind="stable").tolist()
    ]


def find_blocks(
    graph: Graph, *, max_blocks: int, min_density: float, eps: float = 0.0
) -> list[Block]:
    """Fraudar's outer loop: peel, take the block, delete its edges, peel again.

    Stops after `max_blocks`, or when the best block left is less dense than `min_density`.
    Each peeled block is split into its connected pieces, and pieces less dense than
    `min_density` are dropped. Before each peel the graph is pruned to its `min_density` core,
    which keeps every block that could still qualify and makes later peels cheap.
    """
    blocks: list[Block] = []
    alive = core_prune(graph, tau=min_density)
    while len(blocks) < max_blocks and alive.any():
        sub = graph.subgraph(alive)
        block = peel(sub, eps=eps)
        if block.density < min_density or block.rows.size == 0:
            break
        blocks.extend(b for b in split(sub, block) if b.density >= min_density)
        alive &= ~(np.isin(graph.rows, block.rows) & np.isin(graph.cols, block.cols))
        idx = np.flatnonzero(alive)
        alive[idx[~core_prune(graph.subgraph(alive), tau=min_density)]] = False
    return blocks[:max_blocks]
