"""All seven ways likes disappear occur in a small run with the default behaviour."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise

from likeledger.exposure import attribute
from likeledger.sim.truth import Truth

from .conftest import Run


def _lost(truth: Truth, *, creators: bool = False) -> Counter[str]:
    table = truth.creator_lost if creators else truth.video_lost
    out: Counter[str] = Counter()
    for (_, _, cause), n in table.items():
        out[cause] += n
    return out


def _gained(truth: Truth) -> Counter[str]:
    out: Counter[str] = Counter()
    for (_, _, cause), n in truth.video_gained.items():
        out[cause] += n
    return out


def test_bot_purge(small_run: Run) -> None:
    truth = small_run.sim.truth
    flagged = {e["user"] for e in small_run.events if e["type"] == "integrity.flag"}
    bots = {truth.user_names[u] for u in truth.bots | truth.hijacked}
    assert flagged
    assert flagged <= bots
    assert _lost(truth)["integrity_flag"] > 0
    assert _gained(truth)["integrity_clear"] > 0  # some appeals succeed


def test_bot_farms_leave_a_block_the_detector_can_find(small_run: Run) -> None:
    """Each farm hits several videos (at least the detector's 5) of its customer creators, from
    all its accounts within a couple of hours: the accounts x videos block of issue 4."""
    truth = small_run.sim.truth
    farms = [i for i in truth.incidents if i["kind"] == "bot_campaign"]
    assert farms
    for farm in farms:
        assert len(farm["videos"]) >= 5
        creators = {truth.user_names[truth.creator_of[int(v[1:])]] for v in farm["videos"]}
        assert creators == set(farm["creators"])
        likes = [
            e
            for e in small_run.events
            if e["type"] == "like" and e["video"] in farm["videos"] and farm["ts"] <= e["ts"]
        ]
        window = [e for e in likes if e["ts"] < farm["ts"] + 2 * 3_600_000]
        assert len({e["user"] for e in window}) >= farm["fakes"]


def test_moderation_removal_and_restore(small_run: Run) -> None:
    actions = Counter(e["action"] for e in small_run.events if e["type"] == "moderation")
    assert actions["remove"]
    assert actions["restore"]
    assert _lost(small_run.sim.truth, creators=True)["moderation_remove"] > 0


def test_privacy_changes(small_run: Run) -> None:
    switched = {e["visibility"] for e in small_run.events if e["type"] == "video.visibility"}
    assert switched & {"friends", "private"}


def test_blocks(small_run: Run) -> None:
    assert any(e["type"] == "block" for e in small_run.events)
    assert _lost(small_run.sim.truth)["block"] > 0


def test_deactivation_and_return(small_run: Run) -> None:
    history: defaultdict[str, list[str]] = defaultdict(list)
    for e in small_run.events:
        if e["type"] == "account.status":
            history[e["user"]].append(e["status"])
    returned = [u for u, h in history.items() if "deactivated" in h and "active" in h]
    assert returned
    assert _lost(small_run.sim.truth)["account_deactivated"] > 0
    assert _gained(small_run.sim.truth)["account_active"] > 0


def test_suspension_ban_and_deletion(small_run: Run) -> None:
    statuses = {e["status"] for e in small_run.events if e["type"] == "account.status"}
    assert {"suspended", "banned", "deleted"} <= statuses
    video, creator = _lost(small_run.sim.truth), _lost(small_run.sim.truth, creators=True)
    for cause in ("account_suspended", "account_banned", "account_deleted"):
        assert video[cause] + creator[cause] > 0, cause


def test_ranking_update_reduces_some_creators_impressions(small_run: Run) -> None:
    """Across an update, some creator loses much of their reach and the exposure effect
    carries their loss of new likes."""
    truth = small_run.sim.truth
    creators = sorted({int(c) for c in small_run.sim.platform.video_creator})
    hit = []
    for _, ts in truth.ranking[1:]:
        day = truth.day(ts)
        for c in creators:
            name = truth.user_names[c]
            before = truth.exposure(creator=name, days=range(day - 1, day))
            after = truth.exposure(creator=name, days=range(day + 1, day + 2))
            split = attribute(before, after)
            if before.impressions >= 100 and after.impressions <= 0.6 * before.impressions:
                hit.append(split.change < 0 and abs(split.exposure) > abs(split.engagement))
    assert any(hit)


def test_glitches(small_run: Run) -> None:
    ids = Counter(e["id"] for e in small_run.events)
    assert any(n > 1 for n in ids.values())  # retries
    late = [e for e in small_run.events if e["type"] in ("like", "unlike")]
    assert any(a["ts"] > b["ts"] for a, b in pairwise(late))  # reordering
