"""Visibility (SEMANTICS.md section 5): each hidden reason, and which one wins."""

from __future__ import annotations

import pytest

from ledger_kit import block, ev, feed, follow, moderate, pub, status
from likeledger.errors import UnknownVideo
from likeledger.ledger import Ledger


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    feed(ledger, pub("v", "c", 1), follow("w", "x", 1))  # w and x exist; nobody follows c
    return ledger


def _vis(world: Ledger, viewer: str = "w") -> str | None:
    result = world.visible("v", viewer)
    assert result.visible == (result.reason is None)
    assert (result.video, result.viewer) == ("v", viewer)
    return result.reason


def _visibility(setting: str) -> dict[str, object]:
    return ev("video.visibility", 5, video="v", visibility=setting)


def test_public_video_is_visible_to_anyone(world: Ledger) -> None:
    assert _vis(world) is None
    assert _vis(world, "never-seen") is None
    assert _vis(world, "c") is None


def test_deleted(world: Ledger) -> None:
    feed(world, ev("video.deleted", 5, video="v"))
    assert _vis(world) == "deleted"
    assert _vis(world, "c") == "deleted"  # deleted comes before "the creator sees it"


def test_the_creator_always_sees_a_live_video(world: Ledger) -> None:
    feed(world, _visibility("private"), moderate("v", "remove", 6), block("c", "w", 7))
    feed(world, status("c", "suspended", 8))
    assert _vis(world, "c") is None


def test_creator_inactive(world: Ledger) -> None:
    feed(world, status("c", "deactivated", 5))
    assert _vis(world) == "creator_inactive"
    feed(world, status("c", "active", 6))
    assert _vis(world) is None


def test_creator_inactive_comes_before_removed(world: Ledger) -> None:
    feed(world, moderate("v", "remove", 5), status("c", "banned", 6))
    assert _vis(world) == "creator_inactive"


def test_removed(world: Ledger) -> None:
    feed(world, moderate("v", "remove", 5))
    assert _vis(world) == "removed"


def test_removed_comes_before_blocked(world: Ledger) -> None:
    feed(world, moderate("v", "remove", 5), block("w", "c", 6))
    assert _vis(world) == "removed"


@pytest.mark.parametrize(("blocker", "blocked"), [("c", "w"), ("w", "c")])
def test_blocked_either_direction(world: Ledger, blocker: str, blocked: str) -> None:
    feed(world, block(blocker, blocked, 5))
    assert _vis(world) == "blocked"
    assert _vis(world, "x") is None
    feed(world, {"type": "unblock", "ts": 6, "blocker": blocker, "blocked": blocked})
    assert _vis(world) is None


def test_blocked_comes_before_private(world: Ledger) -> None:
    feed(world, _visibility("private"), block("c", "w", 6))
    assert _vis(world) == "blocked"


def test_private(world: Ledger) -> None:
    feed(world, _visibility("private"), follow("w", "c", 6), follow("c", "w", 6))
    assert _vis(world) == "private"  # even friends


def test_private_comes_before_restricted(world: Ledger) -> None:
    feed(world, _visibility("private"), moderate("v", "restrict", 6))
    assert _vis(world) == "private"


def test_friends_only(world: Ledger) -> None:
    feed(world, _visibility("friends"))
    assert _vis(world) == "friends_only"
    assert _vis(world, "stranger") == "friends_only"
    feed(world, follow("w", "c", 6))
    assert _vis(world) == "friends_only"  # one way is not enough
    feed(world, follow("c", "w", 7))
    assert _vis(world) is None
    feed(world, ev("unfollow", 8, follower="c", followee="w"))
    assert _vis(world) == "friends_only"


def test_friends_only_comes_before_restricted(world: Ledger) -> None:
    feed(world, _visibility("friends"), moderate("v", "restrict", 6))
    assert _vis(world) == "friends_only"


def test_restricted(world: Ledger) -> None:
    feed(world, moderate("v", "restrict", 5))
    assert _vis(world) == "restricted"
    assert _vis(world, "stranger") == "restricted"
    feed(world, follow("w", "c", 6))  # following the creator is enough
    assert _vis(world) is None


def test_published_visibility_is_applied(ledger: Ledger) -> None:
    feed(ledger, pub("p", "c", 1, visibility="private"), pub("f", "c", 1, visibility="friends"))
    assert ledger.visible("p", "w").reason == "private"
    assert ledger.visible("f", "w").reason == "friends_only"


def test_restore_returns_to_unmoderated(world: Ledger) -> None:
    feed(world, moderate("v", "remove", 5), moderate("v", "restore", 6))
    assert _vis(world) is None
    feed(world, moderate("v", "restrict", 7), moderate("v", "restore", 8))
    assert _vis(world) is None


def test_restrict_on_removed_and_remove_on_restricted(world: Ledger) -> None:
    feed(world, moderate("v", "remove", 5), moderate("v", "restrict", 6))
    assert _vis(world) == "restricted"
    feed(world, moderate("v", "remove", 7))
    assert _vis(world) == "removed"


def test_visibility_changes_back_and_forth(world: Ledger) -> None:
    feed(world, _visibility("private"))
    assert _vis(world) == "private"
    feed(world, ev("video.visibility", 9, video="v", visibility="public"))
    assert _vis(world) is None


def test_visibility_does_not_change_the_count(world: Ledger) -> None:
    feed(world, ev("like", 2, user="w", video="v"), _visibility("private"))
    feed(world, moderate("v", "restrict", 6))
    assert world.count("v").likes == 1


def test_unknown_video(world: Ledger) -> None:
    with pytest.raises(UnknownVideo) as info:
        world.visible("nope", "w")
    assert info.value.code == "unknown_video"
    assert info.value.subject == "nope"


def test_visibility_json_shape(world: Ledger) -> None:
    feed(world, _visibility("private"))
    assert world.visible("v", "w").to_json() == {
        "video": "v",
        "viewer": "w",
        "visible": False,
        "reason": "private",
    }
    assert world.visible("v", "c").to_json()["reason"] is None
