"""Evaluate fake-like detection (issue 4): planted campaigns in a synthetic 10M-like background.

Protocol after Fraudar and HoloScope: one campaign per density (200 accounts x 200 targets, 20%
hijacked) planted in each table, under one camouflage setting per table; organic viral bursts
as hard negatives; several seeds. Thresholds come from a clean background of held-out seed 0.

    .venv/bin/python bench/integrity_eval.py --quick
    .venv/bin/python bench/integrity_eval.py --likes 10000000 --seeds 5 --out eval.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from likeledger.integrity import LikeTable, ScanConfig, ScanResult, scan, scan_plain, synth
from likeledger.integrity.detect import PLAIN, _temporal_graph
from likeledger.integrity.fraudar import Graph, column_weights, find_blocks
from likeledger.integrity.temporal import episodes

SETTINGS = {
    "none": ("none", 0.0),
    "random-1:1": ("random", 1.0),
    "random-2:1": ("random", 2.0),
    "biased-1:1": ("biased", 1.0),
    "biased-2:1": ("biased", 2.0),
}
DENSITIES = [1.0, 0.5, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01]
Detector = Callable[[LikeTable, ScanConfig], ScanResult]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _labels(result: ScanResult, truth: synth.Truth) -> tuple[np.ndarray, np.ndarray]:
    """Per user: the planted campaign its detected campaign matches (-2: in no campaign)."""
    n = truth.user_campaign.shape[0]
    match = np.full(n, -2, dtype=np.int64)
    for c in result.campaigns:
        bots = truth.user_campaign[c.accounts]
        bots = bots[bots >= 0]
        match[c.accounts] = np.bincount(bots).argmax() if bots.size else -1
    detected = np.zeros(n, dtype=bool)
    detected[match > -2] = True
    return match, detected


def evaluate(table: LikeTable, truth: synth.Truth, result: ScanResult, n: int) -> dict[str, Any]:
    """Like- and account-level precision/recall/F1 per planted campaign, and global figures."""
    flagged, fake = result.like_mask, truth.fake
    match, detected = _labels(result, truth)
    user_match = match[table.user]
    genuine_users = truth.user_campaign < 0
    per = []
    for k in range(n):
        mine = truth.like_campaign == k
        tp, fn = int((flagged & mine).sum()), int((~flagged & mine).sum())
        fp = int((flagged & ~fake & (user_match == k)).sum())
        bots = truth.user_campaign == k
        acc_tp, acc_fn = int((detected & bots).sum()), int((~detected & bots).sum())
        acc_fp = int((genuine_users & (match == k)).sum())
        per.append({"like": _prf(tp, fp, fn), "account": _prf(acc_tp, acc_fp, acc_fn)})
    wrong = int((flagged & ~fake).sum())
    return {
        "per_campaign": per,
        "genuine_flagged": wrong,
        "genuine_flagged_share": wrong / max(int((~fake).sum()), 1),
        "unattributed_fp": int((flagged & ~fake & (user_match == -1)).sum()),
        "campaigns_found": len(result.campaigns),
    }


def timed(detector: Detector, table: LikeTable, cfg: ScanConfig) -> tuple[ScanResult, float, int]:
    """Run a detector; wall time (s) and tracemalloc peak (bytes) of the scan alone."""
    tracemalloc.start()
    t = time.perf_counter()
    result = detector(table, cfg)
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, elapsed, peak


def calibrate(likes: int) -> tuple[float, float]:
    """Thresholds: 1.1 x the densest block each detector finds in a clean background (seed 0)."""
    table, _ = synth.build(synth.background(likes, 0), [], 0)
    cfg = ScanConfig()
    ep = episodes(
        table.video.astype(np.int64), table.ts, gap_ms=cfg.gap_ms,
        max_span_ms=cfg.max_span_ms, reach_ms=cfg.reach_ms,
    )  # fmt: skip
    graph, _ = _temporal_graph(table, ep, cfg)
    top = find_blocks(graph, max_blocks=1, min_density=0.5, eps=cfg.eps)
    temporal = 1.1 * (top[0].density if top else 0.5)
    cols = table.video.astype(np.int64)
    weights = column_weights(cols, table.n_videos)[cols]
    plain = Graph(table.user.astype(np.int64), cols, weights, table.n_users, table.n_videos)
    top = find_blocks(plain, max_blocks=1, min_density=1.0, eps=cfg.eps)
    return temporal, 1.1 * (top[0].density if top else 1.0)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every (seed, setting) table, both detectors; raw per-run records."""
    t_cfg, p_cfg = ScanConfig(), PLAIN
    if args.calibrate:
        tau_t, tau_p = calibrate(args.likes)
        t_cfg, p_cfg = replace(t_cfg, min_density=tau_t), replace(p_cfg, min_density=tau_p)
    print(f"thresholds: temporal {t_cfg.min_density:.3f}, plain {p_cfg.min_density:.3f}")
    detectors: dict[str, tuple[Detector, ScanConfig]] = {
        "temporal": (lambda t, c: scan(t, c), t_cfg),
        "plain": (lambda t, c: scan_plain(t, c), p_cfg),
    }
    records = []
    for seed in range(1, args.seeds + 1):
        world = synth.background(args.likes, seed)
        for name in args.settings:
            kind, ratio = SETTINGS[name]
            plants = [synth.Plant(d, camouflage=kind, ratio=ratio) for d in args.densities]
            table, truth = synth.build(world, plants, seed)
            for det, (fn, cfg) in detectors.items():
                result, secs, peak = timed(fn, table, cfg)
                rec = evaluate(table, truth, result, len(plants))
                rec.update(seed=seed, setting=name, detector=det, seconds=secs, peak_bytes=peak)
                rec["likes"] = table.n_likes
                records.append(rec)
                print(
                    f"seed {seed} {name:11s} {det:8s} {secs:6.1f}s peak {peak / 2**30:.2f} GiB "
                    f"genuine {rec['genuine_flagged_share']:.5%} "
                    + " ".join(f"{p['like']['f1']:.2f}" for p in rec["per_campaign"]),
                    flush=True,
                )
    return {
        "thresholds": {"temporal": t_cfg.min_density, "plain": p_cfg.min_density},
        "densities": args.densities,
        "records": records,
    }


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else 0.0


def summarise(out: dict[str, Any]) -> list[str]:
    """Markdown tables: per detector and setting, mean like/account P/R/F1 per density."""
    lines, dens = [], out["densities"]
    recs = out["records"]
    for det in ("temporal", "plain"):
        mine = [r for r in recs if r["detector"] == det]
        lines += [f"\n## {det}  (threshold {out['thresholds'][det]:.3f})", ""]
        lines += [
            "| setting | density | like P | like R | like F1 | acct P | acct R | acct F1 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for setting in dict.fromkeys(r["setting"] for r in mine):
            rs = [r for r in mine if r["setting"] == setting]
            for k, d in enumerate(dens):
                like = {
                    m: _mean([r["per_campaign"][k]["like"][m] for r in rs])
                    for m in ("precision", "recall", "f1")
                }
                acct = {
                    m: _mean([r["per_campaign"][k]["account"][m] for r in rs])
                    for m in ("precision", "recall", "f1")
                }
                lines.append(
                    f"| {setting} | {d} | {like['precision']:.3f} | {like['recall']:.3f} | "
                    f"{like['f1']:.3f} | {acct['precision']:.3f} | {acct['recall']:.3f} | "
                    f"{acct['f1']:.3f} |"
                )
            ok = [
                d
                for k, d in enumerate(dens)
                if all(
                    _mean([r["per_campaign"][j]["like"]["f1"] for r in rs]) >= 0.9
                    for j, dj in enumerate(dens)
                    if dj >= d
                )
            ]
            share = [r["genuine_flagged_share"] for r in rs]
            lines.append(
                f"| {setting} | lowest density with F1>=0.9: {min(ok) if ok else 'none'} | "
                f"genuine flagged mean {_mean(share):.5%} max {max(share):.5%} | | | | | |"
            )
        secs = [r["seconds"] for r in mine]
        peak = max(r["peak_bytes"] for r in mine) / 2**30
        lines.append(
            f"\n{det}: scan time mean {_mean(secs):.1f} s, max {max(secs):.1f} s; "
            f"tracemalloc peak max {peak:.2f} GiB; tables of {mine[0]['likes']:,} likes"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    lines.append(f"process max RSS (generation included): {rss:.2f} GiB")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--likes", type=int, default=10_000_000, help="background likes per table")
    ap.add_argument(
        "--seeds", type=int, default=5, help="evaluation seeds 1..N (seed 0 calibrates)"
    )
    ap.add_argument("--densities", default=",".join(map(str, DENSITIES)), help="comma list")
    ap.add_argument(
        "--settings", default=",".join(SETTINGS), help=f"comma list of {list(SETTINGS)}"
    )
    ap.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="use the built-in thresholds instead of calibrating on seed 0",
    )
    ap.add_argument("--quick", action="store_true", help="1M likes, 1 seed, biased-1:1 only")
    ap.add_argument("--out", help="write the raw records and summary as JSON here")
    args = ap.parse_args()
    args.densities = [float(d) for d in args.densities.split(",")]
    args.settings = args.settings.split(",")
    if args.quick:
        args.likes, args.seeds, args.settings = 1_000_000, 1, ["biased-1:1"]
    out = run(args)
    lines = summarise(out)
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({**out, "summary": lines, "args": vars(args)}, fh, indent=1)


if __name__ == "__main__":
    main()
