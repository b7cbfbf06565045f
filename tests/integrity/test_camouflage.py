"""Two farms that meet only on popular camouflage videos are two campaigns, both found.

Under popularity-biased camouflage at 2:1 a dense farm's camouflage sessions and a sparser
farm's campaign share popular (video, episode) columns, so one peel returns both. That block
does not own its columns as a whole and was dropped, losing the sparse farm (issue 4: biased
2:1 needed density 0.1). Cut along the columns it owns, each farm is a piece of its own; and
the pieces are grouped so that a piece holding accounts of two farms never joins them.
"""

from __future__ import annotations

import numpy as np
import pytest

from likeledger.integrity import LikeTable, ScanResult, scan, synth
from likeledger.integrity import campaigns as cmp


@pytest.fixture(scope="module")
def planted() -> tuple[LikeTable, synth.Truth]:
    # 8 days so that both campaigns fall within a few days of each other: the dense farm's
    # camouflage likes (spread over the rest of the run) overlap the sparse farm's window
    world = synth.background(300_000, 3, days=8)
    plants = [
        synth.Plant(1.0, accounts=60, targets=60, camouflage="biased", ratio=2.0),
        synth.Plant(0.1, accounts=60, targets=60, camouflage="biased", ratio=2.0),
    ]
    return synth.build(world, plants, 3, n_viral=0)


@pytest.fixture(scope="module")
def result(planted: tuple[LikeTable, synth.Truth]) -> ScanResult:
    return scan(planted[0])


def test_both_farms_are_found(planted: tuple[LikeTable, synth.Truth], result: ScanResult) -> None:
    _, truth = planted
    for farm in (0, 1):
        mine = truth.like_campaign == farm
        recall = (result.like_mask & mine).sum() / mine.sum()
        assert recall >= 0.9, (farm, recall)


def test_each_campaign_is_one_farm(
    planted: tuple[LikeTable, synth.Truth], result: ScanResult
) -> None:
    _, truth = planted
    assert len(result.campaigns) == 2
    farms = []
    for campaign in result.campaigns:
        labels = truth.user_campaign[campaign.accounts]
        farm = int(np.bincount(labels[labels >= 0]).argmax())
        assert (labels == farm).mean() >= 0.95  # no other farm's bots, hardly a genuine user
        farms.append(farm)
    assert sorted(farms) == [0, 1]


def test_genuine_likes_stay(planted: tuple[LikeTable, synth.Truth], result: ScanResult) -> None:
    _, truth = planted
    genuine = ~truth.fake
    assert (result.like_mask & genuine).sum() <= 0.001 * genuine.sum()


def test_a_piece_touching_two_farms_never_joins_them() -> None:
    """Union-find joins two farms through a small piece holding accounts of both (their
    hijacked accounts meeting on camouflage); the greedy grouping gives it to one farm."""
    farm_a, farm_b = np.arange(0, 100), np.arange(100, 200)
    both = np.arange(80, 120)  # 20 accounts of each farm
    assert cmp.merge([farm_a, farm_b, both]) == [[0, 1, 2]]
    assert cmp.assign([farm_a, farm_b, both]) == [[0, 2], [1]]
    assert cmp.assign([farm_a, np.arange(50, 60)]) == [[0, 1]]  # a farm's own piece joins it
