"""likeledger.times.parse_ts: integer ms or RFC 3339 with an offset (SEMANTICS.md section 1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeledger.times import BadTime, format_ts, parse_ts

NOV_27_10H = 1_795_773_600_000  # 2026-11-27T10:00:00Z


def test_reference_instant_is_what_datetime_says() -> None:
    assert int(datetime(2026, 11, 27, 10, tzinfo=UTC).timestamp() * 1000) == NOV_27_10H


@pytest.mark.parametrize("value", [0, 1, 1_700_000_000_000, NOV_27_10H])
def test_integer_milliseconds_are_taken_as_is(value: int) -> None:
    assert parse_ts(value) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T10:00:00Z", NOV_27_10H),
        ("2026-11-27t10:00:00z", NOV_27_10H),
        ("2026-11-27T11:00:00+01:00", NOV_27_10H),
        ("2026-11-27T11:00:00.250+01:00", NOV_27_10H + 250),
        ("2026-11-27T05:30:00-04:30", NOV_27_10H),
        ("2026-11-27T10:00:00+00:00", NOV_27_10H),
        ("2026-11-27T10:00:00-00:00", NOV_27_10H),
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.001Z", 1),
    ],
)
def test_rfc3339_with_offsets(text: str, expected: int) -> None:
    assert parse_ts(text) == expected


@pytest.mark.parametrize(
    ("fraction", "millis"),
    [(".2", 200), (".25", 250), (".250", 250), (".2509", 250), (".999999999", 999), (".0001", 0)],
)
def test_digits_beyond_the_millisecond_are_truncated(fraction: str, millis: int) -> None:
    assert parse_ts(f"2026-11-27T10:00:00{fraction}Z") == NOV_27_10H + millis


def test_leap_day_is_a_date() -> None:
    assert (
        parse_ts("2028-02-29T00:00:00Z")
        == int(datetime(2028, 2, 29, tzinfo=UTC).timestamp()) * 1000
    )


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        1.5,
        1_700_000_000_000.0,
        True,
        False,
        None,
        [],
        {},
        -1,
        "1700000000000",
        "",
        "2026-11-27T10:00:00",  # no offset
        "2026-11-27 10:00:00",
        "2026-11-27",
        "2026-11-27T10:00Z",  # no seconds
        "1969-12-31T23:59:59Z",  # before 1970
        "1970-01-01T00:30:00+01:00",  # before 1970 once normalised
        "2026-02-30T00:00:00Z",  # no such day
        "2027-02-29T00:00:00Z",  # not a leap year
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T10:60:00Z",
        "2026-11-27T10:00:00+25:00",
        "2026-11-27T10:00:00+01",
        "2026-11-27T10:00:00.Z",
        " 2026-11-27T10:00:00Z",
        "2026-11-27T10:00:00Z ",
        "tomorrow",
    ],
)
def test_invalid_times_are_refused(value: object) -> None:
    with pytest.raises(BadTime):
        parse_ts(value)


def test_messages_say_why() -> None:
    with pytest.raises(BadTime, match="float"):
        parse_ts(1.5)
    with pytest.raises(BadTime, match="bool"):
        parse_ts(True)
    with pytest.raises(BadTime, match="1970"):
        parse_ts(-5)
    with pytest.raises(BadTime, match="offset"):
        parse_ts("2026-11-27T10:00:00")


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_rfc3339_agrees_with_datetime(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    expected = int(aware.timestamp()) * 1000 + moment.microsecond // 1000
    assert parse_ts(aware.isoformat().replace("+00:00", "Z")) == expected


@given(st.integers(min_value=0, max_value=253_402_300_799_999))
def test_format_then_parse_round_trips(ms: int) -> None:
    assert parse_ts(format_ts(ms)) == ms
