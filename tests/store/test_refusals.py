"""One test per refusal code of SEMANTICS.md section 3, and the order of the checks."""

from __future__ import annotations

import pytest

from ledger_kit import block, ev, feed, follow, journal, like, pub, refuse, status, unlike
from likeledger.errors import UnknownAccount
from likeledger.ledger import Ledger


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    """Creator c with public video v; viewer u exists."""
    feed(ledger, pub("v", "c", 1, id_="p-v"), like("u", "v", 2, id_="l-u"))
    return ledger


# -- 1 invalid_event ----------------------------------------------------------------


def test_invalid_event(world: Ledger) -> None:
    head = world.head()
    report = world.ingest([b'{"type": "like", "ts": 3, "user": 5, "video": "v"}'])
    assert report.rejected == 1
    (error,) = report.errors
    assert (error.line, error.code) == (1, "invalid_event")
    assert "'user'" in error.message
    assert world.head() == head


def test_invalid_event_comes_before_id_conflict(world: Ledger) -> None:
    # id l-u is taken with other content, but the event is not even valid
    code, message = refuse(world, like("u", "v", 2.5, id_="l-u"))
    assert code == "invalid_event"
    assert "'ts'" in message


def test_an_invalid_event_records_no_id(world: Ledger) -> None:
    refuse(world, like("w", "v", -1, id_="k"))
    assert feed(world, like("w", "v", 5, id_="k")).accepted == 1


# -- 2 id_conflict ------------------------------------------------------------------


def test_id_conflict(world: Ledger) -> None:
    code, message = refuse(world, like("w", "v", 2, id_="l-u"))
    assert code == "id_conflict"
    assert "l-u" in message
    assert world.count("v").likes == 1


def test_id_conflict_across_types(world: Ledger) -> None:
    assert refuse(world, unlike("u", "v", 2, id_="l-u"))[0] == "id_conflict"


def test_id_conflict_comes_before_self_reference(world: Ledger) -> None:
    assert refuse(world, follow("u", "u", 3, id_="p-v"))[0] == "id_conflict"


def test_same_id_same_content_is_a_duplicate_not_an_error(world: Ledger) -> None:
    report = world.ingest_objects([like("u", "v", 2, id_="l-u")])
    assert (report.accepted, report.duplicates, report.rejected) == (0, 1, 0)


# -- 3 self_reference ---------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        follow("u", "u", 3),
        ev("unfollow", 3, follower="u", followee="u"),
        block("u", "u", 3),
        ev("unblock", 3, blocker="u", blocked="u"),
    ],
)
def test_self_reference(world: Ledger, event: dict[str, object]) -> None:
    code, message = refuse(world, event)
    assert code == "self_reference"
    assert "'u'" in message


def test_self_reference_comes_before_account_deleted(world: Ledger) -> None:
    feed(world, status("u", "deleted", 3))
    assert refuse(world, block("u", "u", 4))[0] == "self_reference"


# -- 4 account_deleted --------------------------------------------------------------


def test_account_deleted(world: Ledger) -> None:
    feed(world, status("u", "deleted", 3))
    code, message = refuse(world, like("u", "v", 4))
    assert code == "account_deleted"
    assert "'u'" in message


@pytest.mark.parametrize(
    "event",
    [
        status("gone", "active", 9),  # deleted is final
        status("gone", "deleted", 9),
        follow("u", "gone", 9),
        follow("gone", "u", 9),
        block("u", "gone", 9),
        ev("unblock", 9, blocker="gone", blocked="u"),
        pub("v2", "gone", 9),
        ev("integrity.flag", 9, user="gone"),
        ev("integrity.clear", 9, user="gone", video="v"),
        unlike("gone", "v", 9),
    ],
)
def test_account_deleted_for_any_user_field(world: Ledger, event: dict[str, object]) -> None:
    feed(world, status("gone", "deleted", 3))
    assert refuse(world, event)[0] == "account_deleted"


def test_account_deleted_comes_before_unknown_video(world: Ledger) -> None:
    feed(world, status("u", "deleted", 3))
    assert refuse(world, like("u", "nope", 4))[0] == "account_deleted"


def test_account_deleted_comes_before_account_inactive(world: Ledger) -> None:
    """A deleted account is also not active: check 4 names the code, not check 8."""
    feed(world, status("u", "deleted", 3))
    assert refuse(world, like("u", "v", 4))[0] == "account_deleted"
    assert refuse(world, follow("u", "c", 4))[0] == "account_deleted"


# -- 5 unknown_video ----------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        like("u", "nope", 3),
        unlike("u", "nope", 3),
        ev("video.visibility", 3, video="nope", visibility="private"),
        ev("video.deleted", 3, video="nope"),
        ev("moderation", 3, video="nope", action="remove"),
        ev("integrity.flag", 3, user="u", video="nope"),
        ev("impressions", 3, video="nope", count=1),
    ],
)
def test_unknown_video(world: Ledger, event: dict[str, object]) -> None:
    code, message = refuse(world, event)
    assert code == "unknown_video"
    assert "'nope'" in message


def test_unknown_video_comes_before_account_inactive(world: Ledger) -> None:
    feed(world, status("u", "deactivated", 3))
    assert refuse(world, like("u", "nope", 4))[0] == "unknown_video"


# -- 6 video_deleted ----------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        like("w", "v", 4),
        unlike("u", "v", 4),
        ev("video.deleted", 4, video="v"),
        ev("video.visibility", 4, video="v", visibility="public"),
        ev("moderation", 4, video="v", action="restore"),
        ev("integrity.flag", 4, user="u", video="v"),
        ev("impressions", 4, video="v", count=1),
    ],
)
def test_video_deleted(world: Ledger, event: dict[str, object]) -> None:
    feed(world, ev("video.deleted", 3, video="v"))
    code, message = refuse(world, event)
    assert code == "video_deleted"
    assert "'v'" in message


def test_videos_of_a_deleted_account_are_deleted(world: Ledger) -> None:
    feed(world, status("c", "deleted", 3))
    assert refuse(world, like("w", "v", 4))[0] == "video_deleted"


def test_video_deleted_comes_before_account_inactive(world: Ledger) -> None:
    feed(world, ev("video.deleted", 3, video="v"), status("u", "banned", 3))
    assert refuse(world, unlike("u", "v", 4))[0] == "video_deleted"


# -- 7 video_exists -----------------------------------------------------------------


def test_video_exists(world: Ledger) -> None:
    code, message = refuse(world, pub("v", "other", 3))
    assert code == "video_exists"
    assert "'v'" in message


def test_video_exists_even_when_deleted(world: Ledger) -> None:
    feed(world, ev("video.deleted", 3, video="v"))
    assert refuse(world, pub("v", "c", 4))[0] == "video_exists"


def test_video_exists_comes_before_account_inactive(world: Ledger) -> None:
    feed(world, status("c", "suspended", 3))
    assert refuse(world, pub("v", "c", 4))[0] == "video_exists"


# -- 8 account_inactive -------------------------------------------------------------


@pytest.mark.parametrize("new", ["deactivated", "suspended", "banned"])
@pytest.mark.parametrize(
    "event",
    [
        like("u", "v", 4),
        unlike("u", "v", 4),
        follow("u", "c", 4),
        ev("unfollow", 4, follower="u", followee="c"),
        block("u", "c", 4),
        ev("unblock", 4, blocker="u", blocked="c"),
        pub("v2", "u", 4),
    ],
)
def test_account_inactive(world: Ledger, new: str, event: dict[str, object]) -> None:
    feed(world, status("u", new, 3))
    code, message = refuse(world, event)
    assert code == "account_inactive"
    assert new in message


@pytest.mark.parametrize(
    "event",
    [
        follow("c", "u", 4),  # u is the followee, not the actor
        block("c", "u", 4),
        ev("integrity.flag", 4, user="u"),  # no actor for integrity events
        status("u", "active", 4),
    ],
)
def test_account_inactive_is_only_about_the_actor(world: Ledger, event: dict[str, object]) -> None:
    feed(world, status("u", "deactivated", 3))
    assert feed(world, event).accepted == 1


def test_account_inactive_comes_before_not_visible(world: Ledger) -> None:
    feed(
        world, ev("video.visibility", 3, video="v", visibility="private"), status("w", "banned", 3)
    )
    assert refuse(world, like("w", "v", 4))[0] == "account_inactive"


# -- 9 not_visible ------------------------------------------------------------------


def test_not_visible(world: Ledger) -> None:
    feed(world, ev("video.visibility", 3, video="v", visibility="private"))
    code, message = refuse(world, like("w", "v", 4))
    assert code == "not_visible"
    assert "private" in message
    assert world.count("v").likes == 1


def test_not_visible_is_only_for_like(world: Ledger) -> None:
    feed(world, ev("video.visibility", 3, video="v", visibility="private"))
    report = feed(world, unlike("u", "v", 4), ev("integrity.flag", 5, user="u", video="v"))
    assert report.accepted == 2
    assert world.count("v").likes == 0


def test_not_visible_for_a_blocked_liker(world: Ledger) -> None:
    feed(world, block("c", "w", 3))
    _, message = refuse(world, like("w", "v", 4))
    assert "blocked" in message


# -- duplicates and refusals together -----------------------------------------------


def test_a_duplicate_of_an_event_that_would_now_be_refused_is_still_a_duplicate(
    world: Ledger,
) -> None:
    feed(world, status("u", "deactivated", 3), ev("video.deleted", 4, video="v"))
    report = world.ingest_objects([like("u", "v", 2, id_="l-u"), pub("v", "c", 1, id_="p-v")])
    assert (report.duplicates, report.rejected, report.accepted) == (2, 0, 0)


def test_a_refused_event_records_no_id(world: Ledger) -> None:
    refuse(world, like("w", "later", 5, id_="k"))
    feed(world, pub("later", "c", 6))
    report = feed(world, like("w", "later", 5, id_="k"))
    assert (report.accepted, report.duplicates) == (1, 0)
    assert world.count("later").likes == 1


def test_refusals_change_nothing(world: Ledger) -> None:
    feed(world, status("d", "deleted", 3), status("z", "suspended", 3))
    before = (world.head(), journal(world), world.count("v"), world.visible("v", "w"))
    report = world.ingest_objects(
        [
            like("w", "v", 2.0),
            like("w", "v", 3, id_="p-v"),
            block("w", "w", 3),
            like("d", "v", 3),
            like("w", "nope", 3),
            pub("v", "c", 3),
            like("z", "v", 3),
        ]
    )
    assert [e.code for e in report.errors] == [
        "invalid_event", "id_conflict", "self_reference", "account_deleted", "unknown_video",
        "video_exists", "account_inactive",
    ]  # fmt: skip
    assert [e.line for e in report.errors] == [1, 2, 3, 4, 5, 6, 7]
    assert report.rejected == 7
    assert (world.head(), journal(world), world.count("v"), world.visible("v", "w")) == before
    # a refused event does not create the accounts it names
    with pytest.raises(UnknownAccount):
        world.explain_creator("w")


def test_valid_events_around_refused_ones_are_committed(world: Ledger) -> None:
    report = world.ingest(
        [
            b'{"type": "like", "ts": 3, "user": "a", "video": "v"}',
            b"garbage",
            b"",
            b'{"type": "like", "ts": 3, "user": "b", "video": "nope"}',
            b'{"type": "like", "ts": 3, "user": "b", "video": "v"}',
        ],
        source="in.jsonl",
    )
    assert (report.accepted, report.rejected) == (2, 2)
    assert [(e.line, e.code, e.file) for e in report.errors] == [
        (2, "invalid_event", "in.jsonl"),
        (4, "unknown_video", "in.jsonl"),
    ]
    assert world.count("v").likes == 3
