"""`likeledger ingest` through the real entry point: --json shape, exit codes, bad input.

``db`` is a fresh ledger on each backend (a file, or a ``postgresql://`` URL). The tests of
what goes wrong with a database *file* (missing folder, a directory, a corrupt file, the
``<db>.lock`` file) are SQLite-only: PostgreSQL has no such file; its connection errors are
tested in test_queries.py.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ledger_kit import Backend, like, pub, unlike
from likeledger.events import MAX_LINE_BYTES

from .runner import likeledger, write_events

REPORT_KEYS = {"accepted", "duplicates", "stale", "rejected", "errors"}


@pytest.fixture
def db(backend: Backend) -> str:
    """A fresh, empty ledger location on the session's backend."""
    return backend.fresh()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_events(
        tmp_path / "good.jsonl",
        pub("v", "c", 1, id_="p"),
        like("a", "v", 10, id_="l1"),
        like("b", "v", 11),
        unlike("a", "v", 5),  # stale
        like("a", "v", 10, id_="l1"),  # duplicate
    )


def _likes(db: str, video: str = "v") -> int:
    result = likeledger("count", video, "--json", db=db)
    assert result.code == 0, result.err
    return int(result.json()["likes"])


def test_ingest_json_has_exactly_the_contract_keys(db: str, good: Path) -> None:
    """SEMANTICS.md section 7: {"accepted", "duplicates", "stale", "rejected", "errors"}."""
    result = likeledger("ingest", good, "--json", db=db)
    assert set(result.json()) == REPORT_KEYS


def test_ingest_json_counts(db: str, good: Path) -> None:
    result = likeledger("ingest", good, "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert {k: body[k] for k in REPORT_KEYS} == {
        "accepted": 4,
        "duplicates": 1,
        "stale": 1,
        "rejected": 0,
        "errors": [],
    }
    assert _likes(db) == 2


def test_ingest_is_human_readable_without_json(db: str, good: Path) -> None:
    result = likeledger("ingest", good, db=db)
    assert result.code == 0
    assert "accepted 4" in result.out
    assert "stale 1" in result.out
    assert "duplicates 1" in result.out
    assert "rejected 0" in result.out


def test_refusals_exit_1_after_committing_the_rest(db: str, tmp_path: Path) -> None:
    path = write_events(
        tmp_path / "mixed.jsonl",
        pub("v", "c", 1),
        like("a", "nope", 2),
        like("a", "v", 2),
        pub("v", "c", 3),
    )
    result = likeledger("ingest", path, "--json", db=db)
    assert result.code == 1
    body = result.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert body["errors"] == [
        {"line": 2, "code": "unknown_video", "message": "video 'nope' was never published"},
        {"line": 4, "code": "video_exists", "message": "video 'v' was already published"},
    ]
    assert _likes(db) == 1


def test_errors_are_printed_with_line_numbers(db: str, tmp_path: Path) -> None:
    path = write_events(tmp_path / "in.jsonl", pub("v", "c", 1), b"", like("a", "nope", 2))
    result = likeledger("ingest", path, db=db)
    assert result.code == 1
    assert "line 3: unknown_video" in result.err
    assert "'nope'" in result.err


def test_several_files_number_lines_per_file_and_name_the_file(db: str, tmp_path: Path) -> None:
    first = write_events(tmp_path / "a.jsonl", pub("v", "c", 1), like("x", "nope", 2))
    second = write_events(tmp_path / "b.jsonl", b"{", like("y", "v", 3), like("z", "nope", 3))
    result = likeledger("ingest", first, second, "--json", db=db)
    assert result.code == 1
    errors = result.json()["errors"]
    assert [(e["file"], e["line"], e["code"]) for e in errors] == [
        (str(first), 2, "unknown_video"),
        (str(second), 1, "invalid_event"),
        (str(second), 3, "unknown_video"),
    ]
    assert all(set(e) == {"line", "code", "message", "file"} for e in errors)
    assert _likes(db) == 1
    human = likeledger("ingest", first, second, db=db)
    assert f"{second}:line 1: invalid_event" in human.err


def test_a_single_file_has_no_file_key(db: str, tmp_path: Path) -> None:
    path = write_events(tmp_path / "a.jsonl", b"{")
    errors = likeledger("ingest", path, "--json", db=db).json()["errors"]
    assert [set(e) for e in errors] == [{"line", "code", "message"}]


def test_stdin_as_dash(db: str) -> None:
    data = b"".join(orjson.dumps(e) + b"\n" for e in (pub("v", "c", 1), like("a", "v", 2)))
    result = likeledger("ingest", "-", "--json", db=db, stdin=data + b"{bad\n")
    assert result.code == 1
    body = result.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["errors"][0]["line"] == 3
    assert _likes(db) == 1


def test_empty_stdin_prints_a_note_and_exits_0(db: str) -> None:
    result = likeledger("ingest", "-", "--json", db=db, stdin=b"")
    assert result.code == 0
    assert "empty" in result.err
    assert result.json()["accepted"] == 0


def test_stdin_and_a_file_together(db: str, tmp_path: Path) -> None:
    path = write_events(tmp_path / "more.jsonl", like("b", "v", 3))
    stdin = orjson.dumps(pub("v", "c", 1)) + b"\n"
    result = likeledger("ingest", "-", path, "--json", db=db, stdin=stdin)
    assert result.code == 0
    assert result.json()["accepted"] == 2
    assert _likes(db) == 1


BAD_INPUT: list[dict[str, object] | bytes] = [
    pub("v", "c", 1),
    b'{"type": "like", "ts": 2, "user": "a", "video": "v"',  # malformed JSON
    like("a1", "v", 2),
    {"type": "liked", "ts": 2, "user": "a", "video": "v"},  # unknown type
    like("a2", "v", 2),
    {"type": "like", "ts": "yesterday", "user": "a", "video": "v"},  # bad ts
    {"type": "like", "ts": 2, "user": ["a"], "video": "v"},  # wrong field type
    {"type": "impressions", "ts": 2, "video": "v", "count": -3},
    orjson.dumps(like("o", "v", 5, pad="x" * (MAX_LINE_BYTES + 10))),  # oversized
    b"\x89PNG\r\x1a\x00\x00\x00\rIHDR\xff\xd8\xff",  # binary garbage
    b"[1, 2, 3]",
    b"   ",
    like("a3", "v", 2),
]


def test_bad_input_each_gets_a_clear_message_and_valid_events_commit(
    db: str, tmp_path: Path
) -> None:
    path = write_events(tmp_path / "bad.jsonl", *BAD_INPUT)
    result = likeledger("ingest", path, "--json", db=db)
    assert result.code == 1
    body = result.json()
    assert body["accepted"] == 4
    errors = {e["line"]: e for e in body["errors"]}
    assert set(errors) == {2, 4, 6, 7, 8, 9, 10, 11}
    assert all(e["code"] == "invalid_event" for e in errors.values())
    assert "JSON" in errors[2]["message"]
    assert "liked" in errors[4]["message"]
    assert "'ts'" in errors[6]["message"]
    assert "'user'" in errors[7]["message"]
    assert "'count'" in errors[8]["message"]
    assert str(MAX_LINE_BYTES) in errors[9]["message"]
    assert errors[10]["message"]
    assert "object" in errors[11]["message"]
    assert _likes(db) == 3


def test_a_huge_line_is_refused_and_the_next_line_still_read(db: str, tmp_path: Path) -> None:
    huge = b'{"type": "like", "pad": "' + b"y" * (5 * 1024 * 1024) + b'"}'
    path = write_events(tmp_path / "huge.jsonl", pub("v", "c", 1), huge, like("a", "v", 2))
    body = likeledger("ingest", path, "--json", db=db).json()
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(2, "invalid_event")]
    assert body["accepted"] == 2


def _exactly(size: int) -> bytes:
    base = orjson.dumps(like("a", "v", 2, pad=""))
    line = orjson.dumps(like("a", "v", 2, pad="x" * (size - len(base))))
    assert len(line) == size
    return line


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b""])
def test_a_line_of_exactly_64_kib_is_accepted_whatever_its_line_ending(
    db: str, tmp_path: Path, ending: bytes
) -> None:
    """Lines *over* 64 KiB are refused; the line terminator is not part of the line."""
    path = tmp_path / "edge.jsonl"
    path.write_bytes(orjson.dumps(pub("v", "c", 1)) + b"\n" + _exactly(MAX_LINE_BYTES) + ending)
    body = likeledger("ingest", path, "--json", db=db).json()
    assert (body["accepted"], body["errors"]) == (2, [])


@pytest.mark.parametrize("ending", [b"\n", b""])
def test_a_line_one_byte_over_64_kib_is_refused(db: str, tmp_path: Path, ending: bytes) -> None:
    path = tmp_path / "edge.jsonl"
    path.write_bytes(orjson.dumps(pub("v", "c", 1)) + b"\n" + _exactly(MAX_LINE_BYTES + 1) + ending)
    result = likeledger("ingest", path, "--json", db=db)
    assert result.code == 1
    assert [(e["line"], e["code"]) for e in result.json()["errors"]] == [(2, "invalid_event")]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_an_empty_file_prints_a_note_and_exits_0(db: str, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    result = likeledger("ingest", path, "--json", db=db)
    assert result.code == 0
    assert "empty" in result.err
    assert str(path) in result.err
    body = result.json()
    assert (body["accepted"], body["rejected"], body["errors"]) == (0, 0, [])


def test_a_missing_file_exits_2_before_anything_is_ingested(
    db: str, good: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.jsonl"
    result = likeledger("ingest", good, missing, db=db)
    assert result.code == 2
    assert "missing.jsonl" in result.err
    assert "does not exist" in result.err
    assert likeledger("count", "v", db=db).code == 1  # nothing was ingested from good.jsonl


def test_a_directory_exits_2_before_anything_is_ingested(
    db: str, good: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = likeledger("ingest", good, folder, db=db)
    assert result.code == 2
    assert "folder" in result.err
    assert "directory" in result.err
    assert likeledger("count", "v", db=db).code == 1


def test_ingest_needs_a_file(db: str) -> None:
    result = likeledger("ingest", db=db)
    assert result.code == 2
    assert "FILES" in result.err


def test_a_database_in_a_missing_folder_is_a_clear_error(good: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = likeledger("ingest", good, db=blocker / "ledger.db")
    assert result.code == 1
    assert "cannot open database" in result.err
    assert "not-a-folder" in result.err
    assert "Traceback" not in result.err


def test_a_database_path_that_is_a_directory_is_a_clear_error(good: Path, tmp_path: Path) -> None:
    result = likeledger("ingest", good, db=tmp_path)
    assert result.code == 1
    assert "cannot open database" in result.err
    assert str(tmp_path) in result.err
    assert "Traceback" not in result.err


def test_a_corrupt_database_file_is_a_clear_error(good: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not a database" * 100)
    result = likeledger("ingest", good, db=bogus)
    assert result.code == 1
    assert "bogus.db" in result.err
    assert "Traceback" not in result.err


def test_a_writer_lock_that_cannot_be_taken_is_a_clear_error(good: Path, tmp_path: Path) -> None:
    """Ingest takes ``<db>.lock``; when that file cannot be created (here a folder is in the
    way, as a read-only directory would be for a non-root user) the error must be a clear
    message, not a traceback."""
    db = tmp_path / "ledger.db"
    (tmp_path / "ledger.db.lock").mkdir()
    result = likeledger("ingest", good, db=db)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "ledger.db.lock" in result.err
