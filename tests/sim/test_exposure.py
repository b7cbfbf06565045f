"""Exposure attribution: the split always adds up, reads well, and in a run where only the
ranker changed the exposure effect carries the change."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from likeledger.exposure import VersionLive, Window, attribute, describe, previous_window
from likeledger.sim import Simulation, ranker_only
from likeledger.times import parse_ts

counts = st.integers(min_value=0, max_value=10**7)


@given(i0=counts, l0=counts, i1=counts, l1=counts)
def test_effects_sum_to_the_change(i0: int, l0: int, i1: int, l1: int) -> None:
    split = attribute(Window(i0, l0), Window(i1, l1))
    assert split.exposure + split.engagement == l1 - l0  # exact fractions
    data = split.to_json()
    total = data["exposure_effect"] + data["engagement_effect"]
    assert math.isclose(total, data["change"], abs_tol=1e-6)


def test_midpoint_formula() -> None:
    split = attribute(Window(1000, 50), Window(500, 30))
    r0, r1 = 50 / 1000, 30 / 500
    assert math.isclose(split.exposure, (500 - 1000) * (r0 + r1) / 2)
    assert math.isclose(split.engagement, (r1 - r0) * (1000 + 500) / 2)


def test_zero_impressions() -> None:
    appeared = attribute(Window(0, 0), Window(200, 10))
    assert (appeared.exposure, appeared.engagement) == (Fraction(10), Fraction(0))
    none = attribute(Window(0, 2), Window(0, 5))
    assert (none.exposure, none.engagement) == (Fraction(0), Fraction(3))
    assert describe(none).endswith("no impressions were recorded in either window")


def test_the_creator_sentence() -> None:
    r2 = VersionLive("r2", parse_ts("2026-11-05T10:00:00Z"))
    r3 = VersionLive("r3", parse_ts("2026-11-12T10:00:00Z"))
    split = attribute(Window(10_000, 500, versions=(r2,)), Window(5_500, 300, versions=(r2, r3)))
    assert split.new_versions == (r3,)
    assert split.sentence == (
        "new likes fell 40%: impressions fell 45% after ranking version r3 went live on Nov 12; "
        "your like rate held steady"
    )
    assert split.to_json()["new_versions"][0]["at"] == "2026-11-12T10:00:00Z"


def test_engagement_leads_when_it_dominates() -> None:
    text = attribute(Window(1000, 50), Window(1000, 20)).sentence
    assert text == (
        "new likes fell 60%: your like rate fell 60% (50 to 20 per 1,000 impressions); "
        "impressions held steady"
    )


def test_previous_window() -> None:
    assert previous_window(100, 160) == (40, 100)


def test_ranker_only_run_is_all_exposure() -> None:
    """Nothing but a ranking update on day 3: for the creators who lost reach, the change
    in new likes is exposure; the engagement effect is a small residue (viewers shown a
    demoted video are its most interested ones, so its like rate edges up)."""
    sim = Simulation(ranker_only(seed=5))
    for _ in sim.events():
        pass
    truth = sim.truth
    assert {cause for _, _, cause in truth.video_gained} == {"like"}  # nothing else happens
    assert not truth.video_lost
    exposure = engagement = 0.0
    for c in sorted({int(c) for c in sim.platform.video_creator}):
        name = truth.user_names[c]
        before = truth.exposure(creator=name, days=range(1, 3))
        after = truth.exposure(creator=name, days=range(4, 6))
        if before.impressions >= 200 and after.impressions <= 0.7 * before.impressions:
            split = attribute(before, after)
            assert [v.version for v in split.new_versions] == ["r2"]
            exposure += float(split.exposure)
            engagement += float(split.engagement)
    assert exposure < -1000
    assert abs(engagement) < 0.1 * abs(exposure)
