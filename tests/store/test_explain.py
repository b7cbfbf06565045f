"""Explain over windows (SEMANTICS.md section 6): start + sum(changes) == end, always."""

from __future__ import annotations

import pytest

from ledger_kit import HOUR, ev, feed, flag, like, moderate, pub, status, unlike
from likeledger.errors import AccountDeleted, UnknownAccount, UnknownVideo, VideoDeleted
from likeledger.ledger import Ledger

T0 = 1_795_737_600_000  # 2026-11-27T00:00:00Z


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    """v (by c) over a day: +1 at 1h, +1 at 2h30, +1 at 3h, -1 at 4h, flag -1 at 26h."""
    feed(
        ledger,
        pub("v", "c", T0),
        like("a", "v", T0 + HOUR),
        like("b", "v", T0 + 2 * HOUR + HOUR // 2),
        like("d", "v", T0 + 3 * HOUR),
        unlike("b", "v", T0 + 4 * HOUR),
        flag("a", ts=T0 + 26 * HOUR),
        like("e", "v", T0 + 2 * HOUR),  # out of order: arrives last, ts 2h
    )
    assert ledger.count("v").likes == 2
    return ledger


def _check(ledger: Ledger, since: int | None, until: int | None) -> tuple[int, int, dict[str, int]]:
    exp = ledger.explain("v", since, until)
    assert exp.start + sum(exp.changes.values()) == exp.end
    assert all(delta != 0 or cause for cause, delta in exp.changes.items())
    return exp.start, exp.end, exp.changes


def test_open_window_explains_everything(world: Ledger) -> None:
    assert _check(world, None, None) == (0, 2, {"like": 4, "unlike": -1, "integrity_flag": -1})


def test_since_only_ends_at_the_current_value(world: Ledger) -> None:
    assert _check(world, T0 + 3 * HOUR, None) == (
        3,
        2,
        {"like": 1, "unlike": -1, "integrity_flag": -1},
    )


def test_until_only_starts_at_zero(world: Ledger) -> None:
    assert _check(world, None, T0 + 3 * HOUR) == (0, 3, {"like": 3})


def test_window_is_half_open(world: Ledger) -> None:
    # [1h, 3h): the like at 3h is outside, the one at 1h inside
    assert _check(world, T0 + HOUR, T0 + 3 * HOUR) == (0, 3, {"like": 3})
    assert _check(world, T0 + HOUR + 1, T0 + 3 * HOUR + 1) == (1, 4, {"like": 3})


def test_window_inside_one_hour(world: Ledger) -> None:
    assert _check(world, T0 + 2 * HOUR + 1, T0 + 2 * HOUR + HOUR // 2 + 1) == (2, 3, {"like": 1})


def test_window_spanning_whole_hours_and_ragged_edges(world: Ledger) -> None:
    assert _check(world, T0 + HOUR // 2, T0 + 26 * HOUR + 1) == (
        0,
        2,
        {"like": 4, "unlike": -1, "integrity_flag": -1},
    )
    assert _check(world, T0 + 2 * HOUR + 7, T0 + 4 * HOUR + 7) == (2, 3, {"like": 2, "unlike": -1})


def test_empty_window_and_since_equal_until(world: Ledger) -> None:
    assert _check(world, T0 + 5 * HOUR, T0 + 6 * HOUR) == (3, 3, {})
    assert _check(world, T0 + 3 * HOUR, T0 + 3 * HOUR) == (3, 3, {})
    assert _check(world, 0, 0) == (0, 0, {})


def test_window_before_everything_and_after_everything(world: Ledger) -> None:
    assert _check(world, 0, T0) == (0, 0, {})
    assert _check(world, T0 + 30 * HOUR, None) == (2, 2, {})


def test_a_cause_whose_deltas_cancel_is_listed_with_zero(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 0), like("a", "v", 10))
    feed(ledger, status("a", "suspended", 20), status("a", "active", 30))
    feed(ledger, status("a", "suspended", 40))
    exp = ledger.explain("v", since=15)
    assert exp.changes == {"account_suspended": -2, "account_active": 1}
    feed(ledger, flag("a", "v", 50), ev("integrity.clear", 60, user="a", video="v"))
    feed(ledger, ev("integrity.flag", 70, user="a", video="v"))
    # the account is suspended: flagging its like changes no count, so no entries
    assert "integrity_flag" not in ledger.explain("v", since=45).changes


def test_explanation_fields(world: Ledger) -> None:
    exp = world.explain("v", T0, T0 + HOUR * 2)
    assert (exp.kind, exp.subject, exp.creator) == ("video", "v", "c")
    assert (exp.since, exp.until) == (T0, T0 + 2 * HOUR)
    assert exp.as_of == world.head() == 7
    body = exp.to_json()
    assert body["video"] == "v"
    assert body["creator"] == "c"
    assert (body["start"], body["end"], body["changes"]) == (0, 1, {"like": 1})
    assert body["since"] == "2026-11-27T00:00:00Z"
    assert body["until"] == "2026-11-27T02:00:00Z"
    assert world.explain("v").to_json()["since"] is None


def test_explain_creator(world: Ledger) -> None:
    feed(world, pub("v2", "c", T0 + 5 * HOUR), like("a", "v2", T0 + 5 * HOUR))  # a is flagged
    feed(world, like("b", "v2", T0 + 27 * HOUR), moderate("v", "remove", T0 + 28 * HOUR))
    exp = world.explain_creator("c")
    assert (exp.kind, exp.subject, exp.creator) == ("creator", "c", None)
    assert (exp.start, exp.end) == (0, 1)
    assert exp.changes == {
        "like": 5,
        "unlike": -1,
        "integrity_flag": -1,
        "moderation_remove": -2,
    }
    window = world.explain_creator("c", T0 + 26 * HOUR, T0 + 28 * HOUR)
    assert (window.start, window.end, window.changes) == (3, 3, {"like": 1, "integrity_flag": -1})
    body = window.to_json()
    assert (body["creator"], body["start"], body["end"]) == ("c", 3, 3)
    assert "video" not in body


def test_explain_creator_of_an_account_without_videos(world: Ledger) -> None:
    exp = world.explain_creator("a")
    assert (exp.start, exp.end, exp.changes) == (0, 0, {})


def test_explain_errors(world: Ledger) -> None:
    with pytest.raises(UnknownVideo):
        world.explain("nope")
    with pytest.raises(UnknownAccount) as unknown:
        world.explain_creator("nobody")
    assert unknown.value.code == "unknown_account"
    feed(world, status("a", "deleted", T0 + 30 * HOUR), ev("video.deleted", T0, video="v"))
    with pytest.raises(VideoDeleted) as deleted:
        world.explain("v")
    assert deleted.value.code == "video_deleted"
    with pytest.raises(AccountDeleted) as gone:
        world.explain_creator("a")
    assert gone.value.code == "account_deleted"
