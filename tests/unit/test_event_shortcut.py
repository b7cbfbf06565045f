"""Event validation: the plain like/unlike shortcut agrees with the full validation, and
the limits that keep values storable on every backend (NUL, 64-bit numbers)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeledger.events import MAX_COUNT, InvalidEvent, parse_general, parse_object
from likeledger.times import MAX_TS

_ID_LIKE = st.one_of(
    st.text(min_size=0, max_size=3),
    st.just("a\x00"),
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


@pytest.mark.parametrize("field", ["user", "video", "id"])
def test_nul_in_an_identifier_is_invalid_on_both_paths(field: str) -> None:
    obj = {"type": "like", "ts": 5, "user": "u", "video": "v", field: "a\x00b"}
    for parse in (parse_object, parse_general):
        with pytest.raises(InvalidEvent, match=f"'{field}' must not contain the NUL"):
            parse(obj)


def test_huge_whole_scores_stay_floats() -> None:
    flag = {"type": "integrity.flag", "ts": 1, "user": "u"}
    huge = parse_object({**flag, "score": 1e308}).data["score"]
    assert isinstance(huge, float)
    assert huge == 1e308
    small = parse_object({**flag, "score": 3.0}).data["score"]
    assert isinstance(small, int)
    assert small == 3
    assert parse_object({**flag, "score": 1e308}).content[2] == b'{"score":1e308,"user":"u"}'


def test_impression_counts_are_bounded() -> None:
    base = {"type": "impressions", "ts": 1, "video": "v"}
    assert parse_object({**base, "count": MAX_COUNT}).data["count"] == MAX_COUNT
    with pytest.raises(InvalidEvent, match="'count' must be an integer from 0 to"):
        parse_object({**base, "count": MAX_COUNT + 1})
