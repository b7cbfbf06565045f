"""One test per journal cause of SEMANTICS.md section 6: the entries and what explain says."""

from __future__ import annotations

import pytest

from ledger_kit import (
    block,
    clear,
    entries_of_last,
    ev,
    feed,
    flag,
    journal,
    journal_sums,
    like,
    moderate,
    probe,
    pub,
    status,
    stored_counts,
    total,
    unblock,
    unlike,
)
from likeledger.errors import AccountDeleted, VideoDeleted
from likeledger.ledger import Ledger


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    """c owns v1 and v2, d owns w1. a likes v1 and w1; b likes v1 and v2."""
    feed(
        ledger,
        pub("v1", "c", 1),
        pub("v2", "c", 1),
        pub("w1", "d", 1),
        like("a", "v1", 2),
        like("b", "v1", 2),
        like("a", "w1", 2),
        like("b", "v2", 2),
    )
    assert (ledger.count("v1").likes, ledger.count("v2").likes, ledger.count("w1").likes) == (
        2,
        1,
        1,
    )
    assert (total(ledger, "c"), total(ledger, "d")) == (3, 1)
    return ledger


def _consistent(ledger: Ledger) -> None:
    live, dead, totals = stored_counts(ledger)
    sums = journal_sums(ledger)
    for name, n in {**live, **dead}.items():
        assert sums.get(("video", name), 0) == n
    for name, n in totals.items():
        assert sums.get(("creator", name), 0) == n
    truth = ledger.recompute()
    assert truth.likes == live
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in truth.totals.items() if v}
    assert ledger.reconcile().drift == []


def test_like(world: Ledger) -> None:
    feed(world, like("e", "v1", 10))
    assert entries_of_last(world) == {("video", "v1", 1, "like"), ("creator", "c", 1, "like")}
    exp = world.explain("v1", since=10)
    assert (exp.start, exp.end, exp.changes) == (2, 3, {"like": 1})
    assert world.explain("v1").changes == {"like": 3}
    _consistent(world)


def test_unlike(world: Ledger) -> None:
    feed(world, unlike("a", "v1", 10))
    assert entries_of_last(world) == {
        ("video", "v1", -1, "unlike"),
        ("creator", "c", -1, "unlike"),
    }
    exp = world.explain("v1", since=10)
    assert (exp.start, exp.end, exp.changes) == (2, 1, {"unlike": -1})
    assert world.explain_creator("c", since=10).changes == {"unlike": -1}
    _consistent(world)


def test_an_unlike_of_a_like_that_never_was_writes_nothing(world: Ledger) -> None:
    feed(world, unlike("e", "v1", 10))
    assert entries_of_last(world) == set()


@pytest.mark.parametrize(("blocker", "blocked"), [("c", "a"), ("a", "c")])
def test_block_in_either_direction(world: Ledger, blocker: str, blocked: str) -> None:
    feed(world, block(blocker, blocked, 10))
    # only a's like on c's video is set aside; a's like on d's video stays
    assert entries_of_last(world) == {("video", "v1", -1, "block"), ("creator", "c", -1, "block")}
    assert world.count("v1").likes == 1
    assert world.count("w1").likes == 1
    assert world.explain("v1", since=10).changes == {"block": -1}
    _consistent(world)


def test_unblock(world: Ledger) -> None:
    feed(world, block("c", "a", 10), unblock("c", "a", 11))
    assert entries_of_last(world) == {
        ("video", "v1", 1, "unblock"),
        ("creator", "c", 1, "unblock"),
    }
    exp = world.explain("v1", since=10)
    assert (exp.start, exp.end, exp.changes) == (2, 2, {"block": -1, "unblock": 1})
    _consistent(world)


def test_a_block_both_ways_lifted_one_way_changes_nothing(world: Ledger) -> None:
    feed(world, block("c", "a", 10), block("a", "c", 11))
    assert entries_of_last(world) == set()
    feed(world, unblock("c", "a", 12))
    assert entries_of_last(world) == set()
    assert world.count("v1").likes == 1
    feed(world, unblock("a", "c", 13))
    assert entries_of_last(world) == {
        ("video", "v1", 1, "unblock"),
        ("creator", "c", 1, "unblock"),
    }
    _consistent(world)


def test_repeated_block_and_unblock_of_nothing_write_nothing(world: Ledger) -> None:
    feed(world, unblock("c", "a", 10))
    assert entries_of_last(world) == set()
    feed(world, block("c", "a", 11), block("c", "a", 12))
    assert entries_of_last(world) == set()
    assert world.count("v1").likes == 1


def test_integrity_flag_of_an_account(world: Ledger) -> None:
    feed(world, flag("a", ts=10, detector="fraudar", score=0.97))
    assert entries_of_last(world) == {
        ("video", "v1", -1, "integrity_flag"),
        ("creator", "c", -1, "integrity_flag"),
        ("video", "w1", -1, "integrity_flag"),
        ("creator", "d", -1, "integrity_flag"),
    }
    assert world.explain_creator("d", since=10).changes == {"integrity_flag": -1}
    _consistent(world)


def test_integrity_flag_of_one_like(world: Ledger) -> None:
    feed(world, flag("a", "v1", 10))
    assert entries_of_last(world) == {
        ("video", "v1", -1, "integrity_flag"),
        ("creator", "c", -1, "integrity_flag"),
    }
    assert world.count("w1").likes == 1
    _consistent(world)


def test_integrity_clear(world: Ledger) -> None:
    feed(world, flag("a", ts=10), clear("a", ts=11))
    assert entries_of_last(world) == {
        ("video", "v1", 1, "integrity_clear"),
        ("creator", "c", 1, "integrity_clear"),
        ("video", "w1", 1, "integrity_clear"),
        ("creator", "d", 1, "integrity_clear"),
    }
    exp = world.explain("v1", since=10)
    assert (exp.start, exp.end, exp.changes) == (2, 2, {"integrity_flag": -1, "integrity_clear": 1})
    _consistent(world)


def test_account_and_like_flags_are_independent(world: Ledger) -> None:
    feed(world, flag("a", "v1", 10), flag("a", ts=11))
    assert world.count("v1").likes == 1
    feed(world, clear("a", ts=12))  # the like flag still holds on v1
    assert entries_of_last(world) == {
        ("video", "w1", 1, "integrity_clear"),
        ("creator", "d", 1, "integrity_clear"),
    }
    assert world.count("v1").likes == 1
    feed(world, clear("a", "v1", 13))
    assert world.count("v1").likes == 2
    _consistent(world)


def test_a_like_flag_can_come_before_the_like(world: Ledger) -> None:
    feed(world, flag("e", "v1", 10))
    assert entries_of_last(world) == set()
    feed(world, like("e", "v1", 11))
    assert entries_of_last(world) == set()  # the like exists but does not count
    assert world.count("v1").likes == 2
    feed(world, clear("e", "v1", 12))
    assert entries_of_last(world) == {
        ("video", "v1", 1, "integrity_clear"),
        ("creator", "c", 1, "integrity_clear"),
    }
    _consistent(world)


def test_a_like_flag_before_the_like_does_not_make_the_like_stale(world: Ledger) -> None:
    feed(world, flag("e", "v1", 100))
    report = feed(world, like("e", "v1", 5))
    assert report.stale == 0
    feed(world, clear("e", "v1", 101))
    assert world.count("v1").likes == 3


def test_video_deleted(world: Ledger) -> None:
    feed(world, ev("video.deleted", 10, video="v1"))
    # the video's own count is frozen and unreported; only the creator's total moves
    assert entries_of_last(world) == {("creator", "c", -2, "video_deleted")}
    with pytest.raises(VideoDeleted):
        world.count("v1")
    with pytest.raises(VideoDeleted):
        world.explain("v1")
    exp = world.explain_creator("c", since=10)
    assert (exp.start, exp.end, exp.changes) == (3, 1, {"video_deleted": -2})
    _consistent(world)


def test_a_deleted_video_is_frozen_and_cascades_skip_it(world: Ledger) -> None:
    feed(world, ev("video.deleted", 10, video="v1"), status("a", "deactivated", 11))
    assert entries_of_last(world) == {
        ("video", "w1", -1, "account_deactivated"),
        ("creator", "d", -1, "account_deactivated"),
    }
    feed(world, status("a", "active", 12), block("c", "b", 13), flag("b", ts=14))
    assert stored_counts(world)[1] == {"v1": 2}  # frozen at deletion
    assert total(world, "c") == 0
    _consistent(world)


@pytest.mark.parametrize("new", ["deactivated", "suspended", "banned"])
def test_account_leaving_active(world: Ledger, new: str) -> None:
    feed(world, status("a", new, 10, reason="why"))
    cause = f"account_{new}"
    assert entries_of_last(world) == {
        ("video", "v1", -1, cause),
        ("creator", "c", -1, cause),
        ("video", "w1", -1, cause),
        ("creator", "d", -1, cause),
    }
    exp = world.explain("w1", since=10)
    assert (exp.start, exp.end, exp.changes) == (1, 0, {cause: -1})
    _consistent(world)


def test_account_active(world: Ledger) -> None:
    feed(world, status("a", "deactivated", 10), status("a", "active", 11))
    assert entries_of_last(world) == {
        ("video", "v1", 1, "account_active"),
        ("creator", "c", 1, "account_active"),
        ("video", "w1", 1, "account_active"),
        ("creator", "d", 1, "account_active"),
    }
    assert world.explain("v1", since=10).changes == {
        "account_deactivated": -1,
        "account_active": 1,
    }
    _consistent(world)


def test_deactivated_then_active_restores_every_count(world: Ledger) -> None:
    before = stored_counts(world)
    feed(world, status("a", "deactivated", 10), status("a", "active", 20))
    assert stored_counts(world) == before
    for video in ("v1", "w1"):
        exp = world.explain(video, since=10)
        assert exp.start == exp.end
        assert sum(exp.changes.values()) == 0


def test_moving_between_inactive_statuses_writes_nothing(world: Ledger) -> None:
    feed(world, status("a", "suspended", 10), status("a", "banned", 11))
    assert entries_of_last(world) == set()
    feed(world, status("a", "deactivated", 12))
    assert entries_of_last(world) == set()
    feed(world, status("b", "active", 13))
    assert entries_of_last(world) == set()


def test_account_deleted_as_a_liker(world: Ledger) -> None:
    feed(world, status("a", "deleted", 10))
    assert entries_of_last(world) == {
        ("video", "v1", -1, "account_deleted"),
        ("creator", "c", -1, "account_deleted"),
        ("video", "w1", -1, "account_deleted"),
        ("creator", "d", -1, "account_deleted"),
    }
    with pytest.raises(AccountDeleted):
        world.explain_creator("a")
    _consistent(world)


def test_account_deleted_as_a_creator_deletes_the_videos_first(world: Ledger) -> None:
    feed(world, like("c", "w1", 5))  # c's own like on d's video goes too
    feed(world, status("c", "deleted", 10))
    assert entries_of_last(world) == {
        ("creator", "c", -3, "account_deleted"),
        ("video", "w1", -1, "account_deleted"),
        ("creator", "d", -1, "account_deleted"),
    }
    for video in ("v1", "v2"):
        with pytest.raises(VideoDeleted):
            world.count(video)
        assert world.visible(video, "a").reason == "deleted"
    with pytest.raises(AccountDeleted):
        world.explain_creator("c")
    assert stored_counts(world)[2]["c"] == 0
    _consistent(world)


def test_account_deleted_skips_already_deleted_and_removed_videos(world: Ledger) -> None:
    feed(world, ev("video.deleted", 10, video="v2"), moderate("v1", "remove", 11))
    assert total(world, "c") == 0
    feed(world, status("c", "deleted", 12))
    assert entries_of_last(world) == set()
    _consistent(world)


def test_moderation_remove(world: Ledger) -> None:
    feed(world, moderate("v1", "remove", 10, policy="hate-1"))
    # the video's count is unchanged; the creator's profile total drops
    assert entries_of_last(world) == {("creator", "c", -2, "moderation_remove")}
    assert world.count("v1").likes == 2
    exp = world.explain_creator("c", since=10)
    assert (exp.start, exp.end, exp.changes) == (3, 1, {"moderation_remove": -2})
    assert world.explain("v1", since=10).changes == {}
    _consistent(world)


def test_moderation_restrict_after_remove(world: Ledger) -> None:
    feed(world, moderate("v1", "remove", 10), moderate("v1", "restrict", 11))
    assert entries_of_last(world) == {("creator", "c", 2, "moderation_restrict")}
    assert total(world, "c") == 3
    feed(world, moderate("v1", "remove", 12))
    assert entries_of_last(world) == {("creator", "c", -2, "moderation_remove")}
    _consistent(world)


def test_moderation_restore(world: Ledger) -> None:
    feed(world, moderate("v1", "remove", 10), moderate("v1", "restore", 11))
    assert entries_of_last(world) == {("creator", "c", 2, "moderation_restore")}
    assert world.explain_creator("c", since=10).changes == {
        "moderation_remove": -2,
        "moderation_restore": 2,
    }
    _consistent(world)


def test_moderation_without_a_change_of_total_writes_nothing(world: Ledger) -> None:
    feed(world, moderate("v1", "restrict", 10))
    assert entries_of_last(world) == set()
    feed(world, moderate("v1", "restore", 11))
    assert entries_of_last(world) == set()
    feed(world, pub("v3", "c", 12), moderate("v3", "remove", 13))
    assert entries_of_last(world) == set()  # zero likes: a zero delta writes no entry
    assert total(world, "c") == 3


def test_likes_of_a_removed_video_count_for_the_video_not_the_total(world: Ledger) -> None:
    feed(world, moderate("v1", "remove", 10))
    assert world.visible("v1", "e").reason == "removed"
    assert world.count("v1").likes == 2
    feed(world, status("a", "deactivated", 12))
    assert ("video", "v1", -1, "account_deactivated") in entries_of_last(world)
    assert ("creator", "c", -1, "account_deactivated") not in entries_of_last(world)
    assert total(world, "c") == 1
    feed(world, moderate("v1", "restore", 13))
    assert entries_of_last(world) == {("creator", "c", 1, "moderation_restore")}
    _consistent(world)


def test_repair_writes_entries_where_the_journal_disagrees(world: Ledger) -> None:
    (seq,) = [
        s for s, t, _ts, d, _ in world.events() if t == "like" and d == {"user": "b", "video": "v2"}
    ]
    damage = probe(world)  # lose b's like on v2 from both journals (and their roll-ups)
    assert damage.lose_entry("video", "v2", seq) == damage.lose_entry("creator", "c", seq) == 1
    report = world.reconcile()
    assert {(d.kind, d.subject, d.stored, d.expected, d.journal) for d in report.drift} == {
        ("video", "v2", 1, 1, 0),
        ("creator", "c", 3, 3, 2),
    }
    assert not report.repaired
    assert world.reconcile().drift  # reporting alone fixes nothing

    repaired = world.reconcile(repair=True)
    assert repaired.repaired
    assert len(repaired.drift) == 2
    repairs = {(k, s, d, c) for k, s, _ts, _seq, d, c in journal(world) if c == "repair"}
    assert repairs == {("video", "v2", 1, "repair"), ("creator", "c", 1, "repair")}
    exp = world.explain("v2")
    assert (exp.start, exp.end, exp.changes) == (0, 1, {"repair": 1})
    assert world.explain_creator("c").changes == {"like": 2, "repair": 1}
    assert world.reconcile().drift == []


def test_repair_of_a_wrong_counter_sets_it_without_a_journal_entry(world: Ledger) -> None:
    probe(world).add_likes("v1", 5)
    probe(world).add_total("d", -1)
    before = journal(world)
    report = world.reconcile(repair=True)
    assert {(d.kind, d.subject, d.stored, d.expected, d.journal) for d in report.drift} == {
        ("video", "v1", 7, 2, 2),
        ("creator", "d", 0, 1, 1),
    }
    assert report.repaired
    assert journal(world) == before  # the journal already agreed with the truth
    assert world.count("v1").likes == 2
    assert total(world, "d") == 1
    assert world.reconcile().drift == []


def test_a_healthy_ledger_has_no_repair_entries_and_no_drift(world: Ledger) -> None:
    report = world.reconcile(repair=True)
    assert report.drift == []
    assert not report.repaired
    assert report.events == 7
    assert report.videos == 3
    assert all(c != "repair" for *_, c in journal(world))
