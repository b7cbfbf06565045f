"""The scan end to end on small synthetic tables: recovery, determinism, hard negatives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from likeledger.integrity import LikeTable, ScanResult, scan, scan_plain, synth

HOUR = 3_600_000


@pytest.fixture(scope="module")
def world() -> synth.World:
    return synth.background(200_000, 3)


@pytest.fixture(scope="module")
def planted(world: synth.World) -> tuple[LikeTable, synth.Truth]:
    plants = [synth.Plant(0.3, accounts=50, targets=50, camouflage="biased")]
    return synth.build(world, plants, 3, n_viral=2)


@pytest.fixture(scope="module")
def result(planted: tuple[LikeTable, synth.Truth]) -> ScanResult:
    return scan(planted[0])


def test_planted_campaign_is_recovered_exactly(
    planted: tuple[LikeTable, synth.Truth], result: ScanResult
) -> None:
    _, truth = planted
    assert len(result.campaigns) == 1
    (campaign,) = result.campaigns
    bots = np.flatnonzero(truth.user_campaign == 0)
    assert campaign.accounts.tolist() == bots.tolist()
    flagged, fake = result.like_mask, truth.fake
    assert flagged[fake].all()
    assert (flagged & ~fake).sum() <= 0.02 * fake.sum()  # the owners' likes inside the window


def test_hijacked_accounts_are_flagged_like_by_like(
    planted: tuple[LikeTable, synth.Truth], result: ScanResult
) -> None:
    table, truth = planted
    (campaign,) = result.campaigns
    veterans = np.flatnonzero(truth.user_campaign[: world_users(truth)] == 0)
    assert set(campaign.hijacked.tolist()) <= set(veterans.tolist())
    assert campaign.hijacked.size >= 8  # of 10 (20% of 50); a young one may pass for fake
    assert not np.isin(result.flags.accounts, campaign.hijacked).any()
    assert np.isin(result.flags.like_users, campaign.hijacked).all()
    outside = (table.ts < campaign.window_start) | (table.ts > campaign.window_end)
    assert not result.like_mask[np.isin(table.user, campaign.hijacked) & outside].any()


def world_users(truth: synth.Truth) -> int:
    return int(truth.user_campaign.shape[0]) - 40  # the 40 fresh accounts come last


def test_impact_adds_up_to_the_flagged_likes(result: ScanResult) -> None:
    flagged = int(result.like_mask.sum())
    assert int(result.impact.video_losses.sum()) == flagged
    assert int(result.impact.creator_losses.sum()) == flagged
    assert sum(c.likes for c in result.campaigns) == flagged


def test_scan_is_deterministic_and_ignores_row_order(
    planted: tuple[LikeTable, synth.Truth], result: ScanResult
) -> None:
    table, _ = planted
    perm = np.random.default_rng(0).permutation(table.n_likes)
    shuffled = LikeTable(
        table.user[perm],
        table.video[perm],
        table.ts[perm],
        table.first_seen_ts,
        table.creator_of_video,
    )
    again = scan(table).to_json()
    assert json.dumps(again, sort_keys=True) == json.dumps(result.to_json(), sort_keys=True)
    other = scan(shuffled).to_json()
    assert [c["id"] for c in other["campaigns"]] == [c["id"] for c in again["campaigns"]]
    key = lambda f: (f["user"], f.get("video", -1))  # noqa: E731
    assert sorted(map(key, other["flags"])) == sorted(map(key, again["flags"]))


def test_viral_bursts_stay_unflagged(world: synth.World) -> None:
    table, truth = synth.build(world, [], 5, n_viral=5)
    assert truth.viral_videos.size == 5
    assert scan(table).like_mask.sum() == 0


def test_a_hand_made_viral_burst_is_no_campaign() -> None:
    rng = np.random.default_rng(9)
    n = 3000
    users = np.arange(n, dtype=np.int32)
    history_v = rng.integers(1, 500, n * 5).astype(np.int32)
    history_t = rng.integers(0, 30 * 24 * HOUR, n * 5)
    user = np.concatenate([users, np.repeat(users, 5)])
    video = np.concatenate([np.zeros(n, np.int32), history_v])
    ts = np.concatenate([10 * 24 * HOUR + rng.integers(0, HOUR, n), history_t])
    _, keep = np.unique(user.astype(np.int64) * 1000 + video, return_index=True)
    table = LikeTable(user[keep], video[keep], ts[keep].astype(np.int64))
    assert scan(table).like_mask.sum() == 0


def test_json_report_speaks_wire_ids(planted: tuple[LikeTable, synth.Truth]) -> None:
    table, _ = planted
    named = LikeTable(
        table.user,
        table.video,
        table.ts,
        table.first_seen_ts,
        table.creator_of_video,
        user_names=tuple(f"u{i}" for i in range(table.n_users)),
        video_names=tuple(f"v{i}" for i in range(table.n_videos)),
        creator_names=tuple(f"c{i}" for i in range(int(table.creator_of_video.max()) + 1)),
    )
    report = scan(named).to_json()
    assert set(report) == {"detector", "campaigns", "flags", "impact"}
    campaign = report["campaigns"][0]
    assert campaign["id"].startswith("cmp_")
    assert all(a.startswith("u") for a in campaign["accounts"])
    assert {"density", "burst", "shared_targets"} <= set(campaign["evidence"])
    assert campaign["evidence"]["account_age_days"] >= 0
    kinds = {("video" in f) for f in report["flags"]}
    assert kinds == {True, False}
    assert all(
        f["type"] == "integrity.flag" and f["campaign"] == campaign["id"] for f in report["flags"]
    )
    assert report["impact"]["creators"][0]["creator"].startswith("c")


def test_plain_baseline_finds_a_dense_block(world: synth.World) -> None:
    table, truth = synth.build(world, [synth.Plant(1.0, accounts=60, targets=60)], 4, n_viral=0)
    result = scan_plain(table)
    assert result.campaigns
    bots = np.flatnonzero(truth.user_campaign == 0)
    assert np.isin(bots, result.campaigns[0].accounts).all()


def test_empty_table_gives_an_empty_report() -> None:
    empty = LikeTable(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))
    report = scan(empty).to_json()
    assert report["campaigns"] == []
    assert report["flags"] == []
