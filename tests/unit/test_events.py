"""likeledger.events: the wire schema of every event type and its validation."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeledger.events import MAX_LINE_BYTES, SCHEMAS, InvalidEvent, parse_line, parse_object

TS = 1_795_773_600_000

# One valid event per type, every optional field given.
VALID: dict[str, dict[str, Any]] = {
    "video.published": {"video": "v1", "creator": "c", "visibility": "friends"},
    "video.visibility": {"video": "v1", "visibility": "private"},
    "video.deleted": {"video": "v1"},
    "moderation": {"video": "v1", "action": "restrict", "policy": "spam-3.2"},
    "like": {"user": "u", "video": "v1"},
    "unlike": {"user": "u", "video": "v1"},
    "follow": {"follower": "a", "followee": "b"},
    "unfollow": {"follower": "a", "followee": "b"},
    "block": {"blocker": "a", "blocked": "b"},
    "unblock": {"blocker": "a", "blocked": "b"},
    "account.status": {"user": "u", "status": "suspended", "reason": "spam"},
    "integrity.flag": {"user": "u", "video": "v1", "detector": "fraudar", "score": 0.93},
    "integrity.clear": {"user": "u", "video": "v1", "detector": "appeal", "score": 0},
    "ranking.version": {"version": "r-2026-11"},
    "impressions": {"video": "v1", "count": 12, "version": "r-2026-11"},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "video.published": ("video", "creator"),
    "video.visibility": ("video", "visibility"),
    "video.deleted": ("video",),
    "moderation": ("video", "action"),
    "like": ("user", "video"),
    "unlike": ("user", "video"),
    "follow": ("follower", "followee"),
    "unfollow": ("follower", "followee"),
    "block": ("blocker", "blocked"),
    "unblock": ("blocker", "blocked"),
    "account.status": ("user", "status"),
    "integrity.flag": ("user",),
    "integrity.clear": ("user",),
    "ranking.version": ("version",),
    "impressions": ("video", "count"),
}

ENUMS = {
    "visibility": ("public", "friends", "private"),
    "action": ("remove", "restrict", "restore"),
    "status": ("active", "deactivated", "suspended", "banned", "deleted"),
}
IDENTIFIERS = {"video", "creator", "user", "follower", "followee", "blocker", "blocked"}
TEXTS = {"policy", "reason", "detector"}
BAD_IDENTIFIERS = [1, 1.5, True, "", "x" * 201, ["v"], {"v": 1}]
BAD_TEXTS = [1, True, ["x"], {"a": 1}]


def make(etype: str, **changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": etype, "ts": TS, **VALID[etype]}
    obj.update(changes)
    return obj


def test_the_table_covers_every_type() -> None:
    assert set(VALID) == set(SCHEMAS) == set(REQUIRED)
    assert len(SCHEMAS) == 15


@pytest.mark.parametrize("etype", sorted(VALID))
def test_every_type_parses_with_its_fields(etype: str) -> None:
    event = parse_object(make(etype, id="k-1"))
    assert event.type == etype
    assert event.ts == TS
    assert event.key == "k-1"
    assert dict(event.data) == VALID[etype]


@pytest.mark.parametrize("etype", sorted(VALID))
def test_only_required_fields_is_enough(etype: str) -> None:
    minimal = {"type": etype, "ts": TS} | {f: VALID[etype][f] for f in REQUIRED[etype]}
    event = parse_object(minimal)
    assert event.key is None
    for name in REQUIRED[etype]:
        assert event.data[name] == VALID[etype][name]


def _missing_cases() -> list[tuple[str, str]]:
    return [(etype, name) for etype, names in REQUIRED.items() for name in names]


@pytest.mark.parametrize(("etype", "field"), _missing_cases())
def test_missing_required_field_names_it(etype: str, field: str) -> None:
    obj = make(etype)
    del obj[field]
    with pytest.raises(InvalidEvent, match=f"'{field}'"):
        parse_object(obj)


@pytest.mark.parametrize(("etype", "field"), _missing_cases())
def test_null_required_field_is_invalid_and_named(etype: str, field: str) -> None:
    with pytest.raises(InvalidEvent, match=f"'{field}'"):
        parse_object(make(etype, **{field: None}))


def _mistyped_cases() -> list[tuple[str, str, Any]]:
    cases = []
    for etype, fields in VALID.items():
        for name in fields:
            if name in IDENTIFIERS or name == "version":
                bad = BAD_IDENTIFIERS
            elif name in TEXTS:
                bad = BAD_TEXTS
            elif name in ENUMS:
                bad = ["PUBLIC" if name == "visibility" else "nope", 1, True, ["x"], ""]
            elif name == "score":
                bad = ["0.9", True, [0.9], {"s": 1}]
            elif name == "count":
                bad = [-1, 1.5, 1.0, "3", True, [3]]
            else:  # pragma: no cover - the table above is complete
                raise AssertionError(name)
            cases += [(etype, name, value) for value in bad]
    return cases


@pytest.mark.parametrize(("etype", "field", "value"), _mistyped_cases())
def test_mistyped_field_is_invalid_and_named(etype: str, field: str, value: Any) -> None:
    with pytest.raises(InvalidEvent, match=f"'{field}'"):
        parse_object(make(etype, **{field: value}))


@pytest.mark.parametrize("value", [None, "", "x" * 201, 7, True, ["k"]])
def test_id_must_be_a_string_of_1_to_200_characters(value: Any) -> None:
    if value is None:  # null optional id == absent
        assert parse_object(make("like", id=None)).key is None
        return
    with pytest.raises(InvalidEvent, match="'id'"):
        parse_object(make("like", id=value))


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("id", -(2**63) - 1, "'id'"),
        ("user", 2**64, "'user'"),
        ("video", [2**65], "'video'"),
        ("type", 2**70, "type"),
        ("ts", 2**70, "'ts'"),
    ],
)
def test_an_integer_beyond_64_bits_is_named_not_a_crash(field: str, value: Any, named: str) -> None:
    """Decoded objects (``ingest_objects``) may hold any Python int; orjson cannot show it."""
    with pytest.raises(InvalidEvent, match=named):
        parse_object(make("like", **{field: value}))


@pytest.mark.parametrize("score", [2**64, -(2**63) - 1, 2**70, -(10**30)])
def test_a_score_beyond_64_bits_reads_as_the_json_line_would(score: int) -> None:
    """orjson reads such a number in a line as a double; an object gets the same content
    (before, its ledger payload could not even be written)."""
    flag = make("integrity.flag", score=score)
    without = orjson.dumps({k: v for k, v in flag.items() if k != "score"})
    line = without[:-1] + f',"score":{score}}}'.encode()  # the integer's digits, as sent
    assert parse_object(flag).content == parse_line(line).content
    assert isinstance(parse_object(flag).data["score"], float)


@pytest.mark.parametrize("score", [10**400, float("inf"), float("-inf"), float("nan")])
def test_a_score_no_json_line_can_hold_is_refused_and_named(score: float) -> None:
    with pytest.raises(InvalidEvent, match="'score' must be a finite number"):
        parse_object(make("integrity.flag", score=score))


def test_a_huge_integer_instead_of_an_object_is_named() -> None:
    with pytest.raises(InvalidEvent, match="object, got 1180591620717411303424"):
        parse_object(2**70)


def test_identifiers_of_1_and_200_characters_are_fine() -> None:
    event = parse_object(make("like", id="k" * 200, user="u" * 200, video="v"))
    assert event.key == "k" * 200
    assert event.data["user"] == "u" * 200


@pytest.mark.parametrize("value", [1.5, True, "2026-11-27T10:00:00", -1, "soon", [1]])
def test_bad_ts_names_the_field(value: Any) -> None:
    with pytest.raises(InvalidEvent, match="'ts'"):
        parse_object(make("like", ts=value))


@pytest.mark.parametrize("value", [None, "missing"])
def test_ts_is_required(value: Any) -> None:
    obj = make("like")
    if value == "missing":
        del obj["ts"]
    else:
        obj["ts"] = None
    with pytest.raises(InvalidEvent, match="'ts'"):
        parse_object(obj)


@pytest.mark.parametrize("value", ["liked", "Like", "video_published", "", 3, None, ["like"]])
def test_unknown_or_missing_type(value: Any) -> None:
    with pytest.raises(InvalidEvent, match="type"):
        parse_object(make("like", type=value))


@pytest.mark.parametrize("value", [[], [1], "like", 3, None, True])
def test_not_an_object(value: Any) -> None:
    with pytest.raises(InvalidEvent, match="object"):
        parse_object(value)


@pytest.mark.parametrize(
    ("etype", "field"),
    [
        ("video.published", "visibility"),
        ("moderation", "policy"),
        ("account.status", "reason"),
        ("integrity.flag", "video"),
        ("integrity.flag", "detector"),
        ("integrity.flag", "score"),
        ("integrity.clear", "video"),
        ("impressions", "version"),
    ],
)
def test_null_optional_field_is_the_same_as_absent(etype: str, field: str) -> None:
    with_null = parse_object(make(etype, **{field: None}))
    absent_obj = make(etype)
    del absent_obj[field]
    absent = parse_object(absent_obj)
    assert with_null.content == absent.content
    assert field not in with_null.data or field == "visibility"


def test_integrity_without_video_flags_the_account() -> None:
    event = parse_object({"type": "integrity.flag", "ts": TS, "user": "u", "video": None})
    assert "video" not in event.data


def test_published_defaults_to_public_and_equals_explicit_public() -> None:
    implicit = parse_object({"type": "video.published", "ts": TS, "video": "v1", "creator": "c"})
    explicit = parse_object(make("video.published", visibility="public"))
    assert implicit.data["visibility"] == "public"
    assert implicit.content == explicit.content


def test_unknown_extra_fields_are_ignored() -> None:
    plain = parse_object(make("like"))
    extra = parse_object(make("like", client="ios", nested={"a": [1, None]}, score="x"))
    assert extra.content == plain.content
    assert "client" not in extra.data


def test_content_normalises_ts_and_ignores_id() -> None:
    as_int = parse_object(make("like", id="a"))
    as_text = parse_object(make("like", id="b", ts="2026-11-27T11:00:00.000+01:00"))
    assert as_int.content == as_text.content


def test_content_differs_when_a_field_differs() -> None:
    assert parse_object(make("like")).content != parse_object(make("like", user="w")).content
    assert parse_object(make("like")).content != parse_object(make("like", ts=TS + 1)).content
    assert parse_object(make("like")).content != parse_object(make("unlike")).content


@pytest.mark.parametrize("count", [0, 1, 10**12])
def test_impressions_count_is_an_integer_at_least_zero(count: int) -> None:
    assert parse_object(make("impressions", count=count)).data["count"] == count


def test_score_may_be_int_or_float() -> None:
    assert parse_object(make("integrity.flag", score=1)).data["score"] == 1
    assert parse_object(make("integrity.flag", score=-0.5)).data["score"] == -0.5


# -- parse_line -------------------------------------------------------------------


def test_parse_line_accepts_bytes_and_str() -> None:
    raw = orjson.dumps(make("like"))
    assert parse_line(raw).content == parse_line(raw.decode()).content
    assert parse_line(raw + b"\n").content == parse_line(raw).content


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b'{"type": "like",}', b"\xff\xfe\x00garbage", b"[1, 2", b"{'a': 1}"],
)
def test_malformed_json_is_invalid(raw: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_line(raw)


def test_invalid_utf8_says_so() -> None:
    with pytest.raises(InvalidEvent, match="UTF-8"):
        parse_line(b'{"type": "like", "user": "\xff"}')


def _padded(size: int) -> bytes:
    """A valid like line of exactly ``size`` bytes (the padding is an ignored extra field)."""
    base = orjson.dumps(make("like", pad=""))
    line = orjson.dumps(make("like", pad="x" * (size - len(base))))
    assert len(line) == size
    return line


def test_a_line_of_exactly_64_kib_is_accepted() -> None:
    assert parse_line(_padded(MAX_LINE_BYTES)).type == "like"


def test_a_line_over_64_kib_is_refused_with_the_limit() -> None:
    assert MAX_LINE_BYTES == 64 * 1024
    with pytest.raises(InvalidEvent, match=str(MAX_LINE_BYTES)):
        parse_line(_padded(MAX_LINE_BYTES + 1))


def test_the_line_limit_is_in_bytes_for_str_lines_too() -> None:
    """64 KiB is a byte limit: a str line must get the same answer as its UTF-8 bytes."""
    text = orjson.dumps(make("like", pad="é" * 40_000)).decode()  # 40k chars, 80k bytes
    assert len(text) <= MAX_LINE_BYTES < len(text.encode())
    with pytest.raises(InvalidEvent, match=str(MAX_LINE_BYTES)):
        parse_line(text.encode())
    with pytest.raises(InvalidEvent, match=str(MAX_LINE_BYTES)):
        parse_line(text)


# Any value a decoded JSON object could hold in Python, and some it could not (NaN, huge ints).
_EDGES = [2**64, -(2**63) - 1, 10**400, float("nan"), float("inf"), 2**63, "\x00", ""]
_ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=3)
    | st.sampled_from(_EDGES),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=4,
)
_FIELDS = sorted({name for schema in SCHEMAS.values() for name in schema} | {"ts", "id"})


@given(
    st.sampled_from(sorted(VALID)),
    st.dictionaries(st.sampled_from(_FIELDS), _ANY_VALUE, max_size=3),
)
def test_a_decoded_object_is_refused_or_gives_a_storable_event(
    etype: str, changes: dict[str, Any]
) -> None:
    """ingest_objects hands validation plain Python values: whatever they are, the event is
    refused as invalid or its ledger payload can be written, and reads back as its fields."""
    try:
        event = parse_object(make(etype, **changes))
    except InvalidEvent:
        return
    assert orjson.loads(event.content[2]) == dict(event.data)
    assert parse_line(
        orjson.dumps({"type": etype, "ts": event.ts, **event.data})
    ) == event._replace(key=None)
