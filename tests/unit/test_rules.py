"""Pure rules: cause naming and the counting predicate of SEMANTICS.md section 4."""

from __future__ import annotations

import pytest

from likeledger.events import parse_object
from likeledger.model import User
from likeledger.rules import CAUSES, HIDDEN_REASONS, REFUSAL_CODES, cause_of, like_counts


@pytest.mark.parametrize(
    ("event", "cause"),
    [
        ({"type": "like", "user": "u", "video": "v"}, "like"),
        ({"type": "unlike", "user": "u", "video": "v"}, "unlike"),
        ({"type": "block", "blocker": "a", "blocked": "b"}, "block"),
        ({"type": "unblock", "blocker": "a", "blocked": "b"}, "unblock"),
        ({"type": "integrity.flag", "user": "u"}, "integrity_flag"),
        ({"type": "integrity.clear", "user": "u", "video": "v"}, "integrity_clear"),
        ({"type": "video.deleted", "video": "v"}, "video_deleted"),
        ({"type": "account.status", "user": "u", "status": "active"}, "account_active"),
        ({"type": "account.status", "user": "u", "status": "deactivated"}, "account_deactivated"),
        ({"type": "account.status", "user": "u", "status": "suspended"}, "account_suspended"),
        ({"type": "account.status", "user": "u", "status": "banned"}, "account_banned"),
        ({"type": "account.status", "user": "u", "status": "deleted"}, "account_deleted"),
        ({"type": "moderation", "video": "v", "action": "remove"}, "moderation_remove"),
        ({"type": "moderation", "video": "v", "action": "restrict"}, "moderation_restrict"),
        ({"type": "moderation", "video": "v", "action": "restore"}, "moderation_restore"),
    ],
)
def test_cause_of(event: dict[str, str], cause: str) -> None:
    assert cause_of(parse_object({**event, "ts": 0})) == cause
    assert cause in CAUSES


def test_the_cause_list_is_the_contract() -> None:
    assert set(CAUSES) == {
        "like", "unlike", "block", "unblock", "integrity_flag", "integrity_clear",
        "video_deleted", "account_active", "account_deactivated", "account_suspended",
        "account_banned", "account_deleted", "moderation_remove", "moderation_restrict",
        "moderation_restore", "repair",
    }  # fmt: skip
    assert len(CAUSES) == 16


def test_refusal_codes_and_hidden_reasons_in_contract_order() -> None:
    assert REFUSAL_CODES == (
        "invalid_event", "id_conflict", "self_reference", "account_deleted", "unknown_video",
        "video_deleted", "video_exists", "account_inactive", "not_visible",
    )  # fmt: skip
    assert HIDDEN_REASONS == (
        "deleted", "creator_inactive", "removed", "blocked", "private", "friends_only",
        "restricted",
    )  # fmt: skip


def _user(status: str = "active", flagged: bool = False) -> User:
    return User(1, "u", status, flagged)


def test_a_plain_like_counts() -> None:
    assert like_counts(True, False, _user(), False)


@pytest.mark.parametrize(
    ("liked", "like_flagged", "user", "blocked"),
    [
        (False, False, _user(), False),
        (True, True, _user(), False),
        (True, False, _user(flagged=True), False),
        (True, False, _user("deactivated"), False),
        (True, False, _user("suspended"), False),
        (True, False, _user("banned"), False),
        (True, False, _user("deleted"), False),
        (True, False, _user(), True),
    ],
)
def test_each_condition_can_stop_a_like_counting(
    liked: bool, like_flagged: bool, user: User, blocked: bool
) -> None:
    assert not like_counts(liked, like_flagged, user, blocked)
