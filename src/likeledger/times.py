"""Pure time parsing: event timestamps are integer ms since the Unix epoch.

Accepted forms (SEMANTICS.md section 1): a non-negative integer, or an RFC 3339
date-time with an explicit offset; digits beyond the millisecond are truncated.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MAX_TS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: the largest RFC 3339 instant
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


class BadTime(ValueError):
    """The value is not a valid ledger timestamp; the message says why."""


def parse_ts(value: object) -> int:
    """Normalise a ``ts`` value (int ms or RFC 3339 string) to integer milliseconds."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadTime(f"must be integer milliseconds or an RFC 3339 string, got {_kind(value)}")
    if isinstance(value, int):
        if value < 0:
            raise BadTime(f"must be >= 0 (times before 1970 are invalid), got {value}")
        if value > MAX_TS:
            raise BadTime(f"must be <= {MAX_TS} (year 9999), got {value}")
        return value
    return _parse_rfc3339(value)


def _parse_rfc3339(text: str) -> int:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise BadTime(f"{text!r} is not an RFC 3339 date-time with an offset")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zulu, sign, off_h, off_m = match.groups()[6:]
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError as exc:
        raise BadTime(f"{text!r}: {exc}") from None
    if hour > 23 or minute > 59 or second > 59:
        raise BadTime(f"{text!r}: time of day out of range")
    offset = 0
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise BadTime(f"{text!r}: offset out of range")
        offset = (int(off_h) * 60 + int(off_m)) * 60 * (1 if sign == "+" else -1)
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    ms = ((days * 86400 + hour * 3600 + minute * 60 + second - offset) * 1000) + millis
    if ms < 0:
        raise BadTime(f"{text!r} is before 1970-01-01T00:00:00Z")
    if ms > MAX_TS:
        raise BadTime(f"{text!r} is after 9999-12-31T23:59:59.999Z")
    return ms


def format_ts(ms: int) -> str:
    """Render integer ms as an RFC 3339 UTC string (milliseconds shown only when non-zero)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).replace(microsecond=(ms % 1000) * 1000)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
