"""Arrival order, last-writer-wins on ts, stale events and idempotency (SEMANTICS.md section 2)."""

from __future__ import annotations

import pytest

from ledger_kit import (
    Backend,
    block,
    entries_of_last,
    feed,
    follow,
    journal,
    like,
    pub,
    status,
    unlike,
)
from likeledger.ledger import Ledger


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    feed(ledger, pub("v", "c", 1))
    return ledger


def _stale_flags(ledger: Ledger) -> list[bool]:
    return [stale for *_, stale in ledger.events()]


def test_an_older_unlike_after_a_like_is_stale_and_changes_nothing(world: Ledger) -> None:
    feed(world, like("u", "v", 10))
    before = journal(world)
    report = feed(world, unlike("u", "v", 5))
    assert (report.accepted, report.stale, report.rejected) == (1, 1, 0)
    assert world.count("v").likes == 1
    assert journal(world) == before
    assert _stale_flags(world) == [False, False, True]


def test_an_older_like_after_an_unlike_is_stale(world: Ledger) -> None:
    feed(world, like("u", "v", 1), unlike("u", "v", 10))
    report = feed(world, like("u", "v", 5))
    assert report.stale == 1
    assert world.count("v").likes == 0


def test_an_unlike_of_nothing_still_sets_the_pair_clock(world: Ledger) -> None:
    feed(world, unlike("u", "v", 10))
    assert feed(world, like("u", "v", 9)).stale == 1
    assert world.count("v").likes == 0
    assert feed(world, like("u", "v", 11)).stale == 0
    assert world.count("v").likes == 1


@pytest.mark.parametrize(
    ("first", "second", "expected"), [("like", "unlike", 0), ("unlike", "like", 1)]
)
def test_a_tie_on_ts_goes_to_the_later_arrival(
    world: Ledger, first: str, second: str, expected: int
) -> None:
    kinds = {"like": like, "unlike": unlike}
    report = feed(world, kinds[first]("u", "v", 10), kinds[second]("u", "v", 10))
    assert report.stale == 0
    assert world.count("v").likes == expected


def test_a_tie_like_after_like_is_not_stale_and_writes_nothing(world: Ledger) -> None:
    feed(world, like("u", "v", 10))
    report = feed(world, like("u", "v", 10))
    assert (report.accepted, report.stale) == (1, 0)
    assert entries_of_last(world) == set()
    assert world.count("v").likes == 1


def test_last_writer_wins_per_pair(world: Ledger) -> None:
    feed(world, like("u", "v", 10), unlike("w", "v", 20), like("w", "v", 15))
    assert world.count("v").likes == 1  # u's like; w's like is older than w's unlike
    feed(world, pub("v2", "c", 1), like("u", "v2", 5))
    assert world.count("v2").likes == 1  # another pair has its own clock


def test_out_of_order_sequence_ends_in_the_newest_state(world: Ledger) -> None:
    # arrival order scrambled; ts says: like 1, unlike 2, like 3, unlike 4, like 5
    report = feed(
        world,
        like("u", "v", 3),
        unlike("u", "v", 4),
        like("u", "v", 1),
        like("u", "v", 5),
        unlike("u", "v", 2),
    )
    assert (report.accepted, report.stale) == (5, 2)
    assert world.count("v").likes == 1


def test_a_refused_like_does_not_move_the_pair_clock(world: Ledger) -> None:
    feed(world, status("u", "deactivated", 2))
    assert world.ingest_objects([like("u", "v", 100)]).errors[0].code == "account_inactive"
    feed(world, status("u", "active", 3))
    report = feed(world, like("u", "v", 50))
    assert report.stale == 0
    assert world.count("v").likes == 1


def test_other_events_apply_in_arrival_order_not_ts_order(world: Ledger) -> None:
    feed(world, like("u", "v", 1), block("c", "u", 100), block("c", "u", 100))
    feed(world, {"type": "unblock", "ts": 50, "blocker": "c", "blocked": "u"})
    assert world.count("v").likes == 1  # the unblock arrived last, so it holds
    feed(world, status("u", "suspended", 10), status("u", "active", 5))
    assert world.count("v").likes == 1


def test_accepted_events_get_consecutive_sequence_numbers(world: Ledger) -> None:
    report = world.ingest_objects(
        [like("a", "v", 5), like("b", "nope", 5), unlike("a", "v", 1), follow("a", "c", 7)]
    )
    assert report.accepted == 3
    assert report.last_seq == 4
    assert [seq for seq, *_ in world.events()] == [1, 2, 3, 4]
    assert [t for _, t, *_ in world.events()] == ["video.published", "like", "unlike", "follow"]


# -- idempotency --------------------------------------------------------------------


def test_a_retry_with_the_same_id_is_a_duplicate(world: Ledger) -> None:
    feed(world, like("u", "v", 10, id_="r1"))
    report = feed(world, like("u", "v", 10, id_="r1"), like("u", "v", 10, id_="r1"))
    assert (report.accepted, report.duplicates, report.rejected) == (0, 2, 0)
    assert world.head() == 2
    assert world.count("v").likes == 1


def test_duplicates_within_one_batch(world: Ledger) -> None:
    report = feed(world, like("u", "v", 10, id_="r1"), like("u", "v", 10, id_="r1"))
    assert (report.accepted, report.duplicates) == (1, 1)


def test_duplicate_content_compares_normalised_ts_defaults_and_nulls(world: Ledger) -> None:
    feed(world, pub("v2", "c", 1_795_773_600_000, id_="p2"))
    retries = [
        pub("v2", "c", "2026-11-27T10:00:00Z", id_="p2"),
        pub("v2", "c", "2026-11-27T11:00:00.000999+01:00", id_="p2", visibility="public"),
        pub("v2", "c", 1_795_773_600_000, id_="p2", visibility=None, client="retry"),
    ]
    report = feed(world, *retries)
    assert report.duplicates == 3


def test_a_retry_of_a_stale_event_is_a_duplicate(world: Ledger) -> None:
    feed(world, like("u", "v", 10), unlike("u", "v", 5, id_="late"))
    report = feed(world, unlike("u", "v", 5, id_="late"))
    assert (report.duplicates, report.stale, report.accepted) == (1, 0, 0)


def test_events_without_id_are_never_duplicates(world: Ledger) -> None:
    report = feed(world, follow("a", "c", 3), follow("a", "c", 3))
    assert (report.accepted, report.duplicates) == (2, 0)


def test_ids_are_remembered_across_reopening(backend: Backend) -> None:
    path = backend.fresh()
    with Ledger.open(path) as first:
        feed(first, pub("v", "c", 1, id_="p"), like("u", "v", 2, id_="l"))
    with Ledger.open(path) as again:
        report = again.ingest_objects([like("u", "v", 2, id_="l"), like("x", "v", 2, id_="p")])
        assert report.duplicates == 1
        assert [e.code for e in report.errors] == ["id_conflict"]
        assert again.count("v").likes == 1


def test_a_retry_whose_score_is_written_as_an_integral_float_is_a_duplicate(
    world: Ledger,
) -> None:
    """JSON has one number type: 1 and 1.0 are the same content (a JS client writes 1, a
    Python retry queue writes 1.0)."""
    feed(world, {"type": "integrity.flag", "ts": 5, "user": "u", "score": 1, "id": "f"})
    report = world.ingest_objects(
        [{"type": "integrity.flag", "ts": 5, "user": "u", "score": 1.0, "id": "f"}]
    )
    assert (report.duplicates, report.rejected) == (1, 0)
