"""Pure event model: the wire schema of every event type, in one table, and its validation.

An input line becomes an :class:`Event` (type, normalised ts, optional id, the type's own
fields with defaults applied) or an ``invalid_event`` message. Nothing here does I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import orjson

from .times import MAX_TS, BadTime, parse_ts

VISIBILITIES: Final = ("public", "friends", "private")
ACTIONS: Final = ("remove", "restrict", "restore")
STATUSES: Final = ("active", "deactivated", "suspended", "banned", "deleted")
MAX_ID_LENGTH: Final = 200
MAX_LINE_BYTES: Final = 64 * 1024
MAX_COUNT: Final = 10**12  # per impressions event: hourly sums stay far inside 64 bits

Checker = Callable[[str, Any], Any]


class InvalidEvent(ValueError):
    """The object is not a valid event; the message names the field and the problem."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an event type: its checker, whether it is required, and its default."""

    check: Checker
    required: bool = True
    default: Any = None


def _identifier(name: str, value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        raise InvalidEvent(
            f"field {name!r} must be a string of 1-{MAX_ID_LENGTH} characters, got {_show(value)}"
        )
    if "\x00" in value:  # no database keeps NUL in a text key intact
        raise InvalidEvent(f"field {name!r} must not contain the NUL character (U+0000)")
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidEvent(f"field {name!r} must be a string, got {_show(value)}")
    return value


def _number(name: str, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent(f"field {name!r} must be a number, got {_show(value)}")
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        value = _wide_int(value)  # a decoded object may hold any int; read it as JSON does
    if not math.isfinite(value):
        raise InvalidEvent(f"field {name!r} must be a finite number, got {_show(value)}")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)  # 1.0 and 1 are the same JSON number: same content, same duplicate
    return value


def _wide_int(value: int) -> float:
    """An integer outside 64 bits as a JSON line's parser reads it: a double (infinite when
    it does not fit one, which the line parser refuses as invalid JSON)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InvalidEvent(
            f"field {name!r} must be an integer from 0 to {MAX_COUNT}, got {_show(value)}"
        )
    return value


def _one_of(*choices: str) -> Checker:
    def check(name: str, value: Any) -> str:
        if value not in choices or not isinstance(value, str):
            raise InvalidEvent(
                f"field {name!r} must be one of {', '.join(choices)}; got {_show(value)}"
            )
        return value

    return check


_ID = Field(_identifier)
_OPT_ID = Field(_identifier, required=False)
_OPT_TEXT = Field(_text, required=False)

# The whole wire contract of SEMANTICS.md section 1, one row per type.
SCHEMAS: Final[Mapping[str, Mapping[str, Field]]] = {
    "video.published": {
        "video": _ID,
        "creator": _ID,
        "visibility": Field(_one_of(*VISIBILITIES), required=False, default="public"),
    },
    "video.visibility": {"video": _ID, "visibility": Field(_one_of(*VISIBILITIES))},
    "video.deleted": {"video": _ID},
    "moderation": {"video": _ID, "action": Field(_one_of(*ACTIONS)), "policy": _OPT_TEXT},
    "like": {"user": _ID, "video": _ID},
    "unlike": {"user": _ID, "video": _ID},
    "follow": {"follower": _ID, "followee": _ID},
    "unfollow": {"follower": _ID, "followee": _ID},
    "block": {"blocker": _ID, "blocked": _ID},
    "unblock": {"blocker": _ID, "blocked": _ID},
    "account.status": {"user": _ID, "status": Field(_one_of(*STATUSES)), "reason": _OPT_TEXT},
    "integrity.flag": {
        "user": _ID,
        "video": _OPT_ID,
        "detector": _OPT_TEXT,
        "score": Field(_number, required=False),
    },
    "integrity.clear": {
        "user": _ID,
        "video": _OPT_ID,
        "detector": _OPT_TEXT,
        "score": Field(_number, required=False),
    },
    "ranking.version": {"version": _ID},
    "impressions": {"video": _ID, "count": Field(_count), "version": _OPT_ID},
}

USER_FIELDS: Final = ("user", "creator", "follower", "followee", "blocker", "blocked")
# The acting account of check 8 (account_inactive), per type.
ACTOR_FIELD: Final[Mapping[str, str]] = {
    "like": "user",
    "unlike": "user",
    "follow": "follower",
    "unfollow": "follower",
    "block": "blocker",
    "unblock": "blocker",
    "video.published": "creator",
}


class Event(NamedTuple):
    """A valid event: ``data`` holds the type's own fields, defaults applied, nulls dropped.

    A named tuple (immutable like a frozen dataclass, and built several times faster: one
    is made per ingested line)."""

    type: str
    ts: int
    key: str | None
    data: Mapping[str, Any]

    @property
    def content(self) -> tuple[str, int, bytes]:
        """What idempotency compares: type, normalised ts and the type's own fields."""
        return (self.type, self.ts, payload_bytes(self.data))


def payload_bytes(data: Mapping[str, Any]) -> bytes:
    """Canonical JSON of an event's own fields (sorted keys), as stored in the ledger."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def parse_line(raw: bytes | str) -> Event:
    """Parse one JSON Lines record into an :class:`Event` or raise :class:`InvalidEvent`."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data.rstrip(b"\r\n")) > MAX_LINE_BYTES:  # the line ending does not count
        raise InvalidEvent(f"line is longer than the {MAX_LINE_BYTES}-byte limit")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not valid JSON: {_reason(exc)}") from None
    return parse_object(obj)


def parse_object(obj: Any) -> Event:
    """Validate a decoded JSON value as an event (SEMANTICS.md section 1)."""
    if type(obj) is dict:
        etype = obj.get("type")
        if type(etype) is str and etype in _PAIR_TYPES:
            quick = _plain_pair(obj)
            if quick is not None:
                return quick
    return parse_general(obj)


def parse_general(obj: Any) -> Event:
    """The full validation of every type (``parse_object`` takes a shortcut for plain likes)."""
    if not isinstance(obj, dict):
        raise InvalidEvent(f"an event must be a JSON object, got {_show(obj)}")
    etype = obj.get("type")
    if etype is None:
        raise InvalidEvent("missing required field 'type'")
    schema = SCHEMAS.get(etype) if isinstance(etype, str) else None
    if schema is None:
        raise InvalidEvent(f"unknown event type {_show(etype)}")
    if obj.get("ts") is None:
        raise InvalidEvent("missing required field 'ts'")
    try:
        ts = parse_ts(obj["ts"])
    except BadTime as exc:
        raise InvalidEvent(f"field 'ts' {exc}") from None
    key = obj.get("id")
    if key is not None:
        _identifier("id", key)
    return Event(etype, ts, key, _fields(etype, obj))


_PAIR_TYPES: Final = frozenset(("like", "unlike"))
_new = tuple.__new__


def _plain_pair(obj: dict[str, Any]) -> Event | None:
    """A well-formed like/unlike with integer ms, checked in a few comparisons: the bulk
    of any input. Anything else returns None and goes through the general path, which
    gives the same result (the unit tests hold the two equal) or names the problem."""
    ts, user, video, key = obj.get("ts"), obj.get("user"), obj.get("video"), obj.get("id")
    if (
        type(ts) is int
        and 0 <= ts <= MAX_TS
        and type(user) is str
        and type(video) is str
        and 0 < len(user) <= MAX_ID_LENGTH
        and 0 < len(video) <= MAX_ID_LENGTH
        and (key is None or (type(key) is str and 0 < len(key) <= MAX_ID_LENGTH))
        and "\x00" not in user
        and "\x00" not in video
        and (key is None or "\x00" not in key)
    ):
        # tuple.__new__: the named tuple without its Python-level __new__ (half the cost)
        return _new(Event, (obj["type"], ts, key, {"user": user, "video": video}))
    return None


# The schema flattened once into tuples: validation runs per event on the ingest hot path.
_FLAT: Final = {
    etype: tuple((name, spec.check, spec.required, spec.default) for name, spec in schema.items())
    for etype, schema in SCHEMAS.items()
}


def _fields(etype: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, check, required, default in _FLAT[etype]:
        value = obj.get(name)
        if value is None:
            if required:
                raise InvalidEvent(f"missing required field {name!r}")
            if default is not None:
                data[name] = default
            continue
        data[name] = check(name, value)
    return data


def _show(value: Any) -> str:
    if value is None:
        return "null"
    try:
        text = orjson.dumps(value).decode() if _jsonable(value) else repr(value)
    except TypeError:  # orjson refuses integers beyond 64 bits, which Python objects may hold
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict)


def _reason(exc: orjson.JSONDecodeError) -> str:
    if "utf-8" in str(exc).lower():
        return "the line is not valid UTF-8"
    return f"{exc.msg} at column {exc.colno}"
