"""The plain like/unlike shortcut of ``parse_object`` agrees with the full validation."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from likeledger.events import InvalidEvent, parse_general, parse_object
from likeledger.times import MAX_TS

_ID_LIKE = st.one_of(
    st.text(min_size=0, max_size=3),
    st.just("x" * 200),
    st.just("x" * 201),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=2), max_size=1),
)
_TS_LIKE = st.one_of(
    st.integers(min_value=-2, max_value=3),
    st.sampled_from([MAX_TS, MAX_TS + 1, 1.0, 2.5, True, "2026-11-01T00:00:00Z", "x"]),
    st.none(),
)
_TYPES = st.sampled_from(["like", "unlike", "follow", "Like"]) | st.lists(st.just("like"))


def _outcome(parse: Any, obj: dict[str, Any]) -> object:
    try:
        return parse(obj)
    except InvalidEvent as exc:
        return ("invalid", str(exc))


@given(
    st.fixed_dictionaries(
        {"type": _TYPES},
        optional={"ts": _TS_LIKE, "user": _ID_LIKE, "video": _ID_LIKE, "id": _ID_LIKE},
    )
)
def test_shortcut_equals_the_general_validation(obj: dict[str, Any]) -> None:
    assert _outcome(parse_object, obj) == _outcome(parse_general, obj)


def test_extra_fields_are_dropped_on_both_paths() -> None:
    obj = {"type": "like", "ts": 5, "user": "u", "video": "v", "note": "x"}
    assert parse_object(obj) == parse_general(obj)
    assert dict(parse_object(obj).data) == {"user": "u", "video": "v"}
