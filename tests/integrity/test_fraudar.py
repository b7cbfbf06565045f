"""Greedy peeling against brute-force and networkx densest-subgraph oracles."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from likeledger.integrity.fraudar import Graph, core_prune, find_blocks, peel, split


def _graph(edges: list[tuple[int, int]], n_rows: int, n_cols: int, w: float = 1.0) -> Graph:
    rows = np.array([e[0] for e in edges], dtype=np.int64)
    cols = np.array([e[1] for e in edges], dtype=np.int64)
    return Graph(rows, cols, np.full(len(edges), w), n_rows, n_cols)


def _random(rng: np.random.Generator, n_rows: int, n_cols: int, p: float) -> Graph:
    pairs = [(r, c) for r in range(n_rows) for c in range(n_cols) if rng.random() < p]
    return Graph(
        np.array([r for r, _ in pairs], dtype=np.int64),
        np.array([c for _, c in pairs], dtype=np.int64),
        rng.uniform(0.2, 1.0, len(pairs)),
        n_rows,
        n_cols,
    )


def _density(g: Graph, rows: set[int], cols: set[int]) -> float:
    if not rows and not cols:
        return 0.0
    inside = [
        w
        for r, c, w in zip(g.rows.tolist(), g.cols.tolist(), g.weights.tolist(), strict=True)
        if r in rows and c in cols
    ]
    return sum(inside) / (len(rows) + len(cols))


def _brute_force(g: Graph) -> float:
    nodes = [("r", i) for i in range(g.n_rows)] + [("c", j) for j in range(g.n_cols)]
    best = 0.0
    for k in range(1, len(nodes) + 1):
        for subset in itertools.combinations(nodes, k):
            rows = {i for side, i in subset if side == "r"}
            cols = {j for side, j in subset if side == "c"}
            best = max(best, _density(g, rows, cols))
    return best


def test_planted_block_is_recovered_exactly() -> None:
    rng = np.random.default_rng(1)
    noise = [(int(rng.integers(0, 300)), int(rng.integers(0, 300))) for _ in range(600)]
    block = [(r, c) for r in range(300, 320) for c in range(300, 320)]
    g = _graph(noise + block, 320, 320)
    b = peel(g)
    assert b.rows.tolist() == list(range(300, 320))
    assert b.cols.tolist() == list(range(300, 320))
    assert b.density == pytest.approx(400 / 40)


@pytest.mark.parametrize("seed", range(8))
def test_peel_is_within_half_of_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = _random(rng, 5, 6, 0.5)
    optimum = _brute_force(g)
    for eps in (0.0, 0.05):
        b = peel(g, eps=eps)
        found = _density(g, set(b.rows.tolist()), set(b.cols.tolist()))
        assert found == pytest.approx(b.density)
        assert found >= optimum / (2 * (1 + eps)) - 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_core_prune_keeps_the_densest_subgraph(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    g = _random(rng, 5, 5, 0.45)
    optimum = _brute_force(g)
    kept = g.subgraph(core_prune(g, tau=optimum * 0.999))
    assert _brute_force(kept) == pytest.approx(optimum)


def test_peel_agrees_with_networkx_on_a_planted_clique() -> None:
    rng = np.random.default_rng(7)
    edges = {(int(rng.integers(0, 60)), int(rng.integers(0, 60))) for _ in range(120)}
    edges |= {(r, c) for r in range(8) for c in range(8)}
    g = _graph(sorted(edges), 60, 60)
    nxg = nx.Graph()
    nxg.add_edges_from((f"r{r}", f"c{c}") for r, c in edges)
    nx_density, nx_nodes = nx.approximation.densest_subgraph(nxg, iterations=50, method="greedy++")
    b = peel(g)
    assert b.density == pytest.approx(nx_density, rel=1e-6)
    ours = {f"r{r}" for r in b.rows.tolist()} | {f"c{c}" for c in b.cols.tolist()}
    assert ours == set(nx_nodes)


def test_split_and_find_blocks_separate_two_campaigns() -> None:
    a = [(r, c) for r in range(0, 10) for c in range(0, 10)]
    b = [(r, c) for r in range(10, 20) for c in range(10, 20) if (r + c) % 4]
    g = _graph(a + b, 20, 20)
    pieces = split(g, peel(g, eps=0.5))
    assert pieces[0].rows.tolist() == list(range(10))
    blocks = find_blocks(g, max_blocks=5, min_density=2.0)
    assert sorted(tuple(x.rows.tolist()) for x in blocks) == [
        tuple(range(10)),
        tuple(range(10, 20)),
    ]


def test_empty_graph_gives_an_empty_block() -> None:
    b = peel(_graph([], 3, 3))
    assert b.rows.size == 0
    assert b.density == 0.0
