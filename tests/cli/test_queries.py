"""count, explain and visible through the real entry point (SEMANTICS.md section 7), on a
ledger in a file and at a ``postgresql://`` URL.

Choosing the database by a SQLite path (``sqlite:///``, the default ``likeledger.db``) is
SQLite-only by nature; an unreachable PostgreSQL server is PostgreSQL-only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_kit import HOUR, Backend, ev, flag, follow, like, moderate, pub, status, unlike

from .runner import likeledger, write_events

T0 = 1_795_737_600_000  # 2026-11-27T00:00:00Z


@pytest.fixture(scope="module")
def db(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> str:
    """c: v (2 likes, one flag, one unlike), p (private), gone (deleted); x: deleted account."""
    folder = tmp_path_factory.mktemp("queries")
    events = write_events(
        folder / "world.jsonl",
        pub("v", "c", T0),
        pub("p", "c", T0, visibility="private"),
        pub("gone", "c", T0),
        pub("xv", "x", T0),
        like("a", "v", T0 + HOUR),
        like("b", "v", T0 + 2 * HOUR),
        like("d", "v", T0 + 3 * HOUR),
        like("e", "v", T0 + 3 * HOUR),
        unlike("e", "v", T0 + 4 * HOUR),
        flag("d", ts=T0 + 5 * HOUR),
        like("a", "gone", T0 + HOUR),
        ev("video.deleted", T0 + 6 * HOUR, video="gone"),
        follow("a", "c", T0),
        moderate("v", "restrict", T0 + 7 * HOUR),
        status("x", "deleted", T0 + 8 * HOUR),
    )
    where = backend.keep()
    result = likeledger("ingest", events, db=where)
    assert result.code == 0, result.err
    return where


# -- count --------------------------------------------------------------------------


def test_count_json(db: str) -> None:
    result = likeledger("count", "v", "p", "--json", db=db)
    assert result.code == 0
    first, second = result.json_lines()
    assert (first["video"], first["likes"]) == ("v", 2)
    assert (second["video"], second["likes"]) == ("p", 0)


def test_count_error_lines_keep_order_and_exit_1(db: str) -> None:
    result = likeledger("count", "nope", "v", "gone", "--json", db=db)
    assert result.code == 1
    lines = result.json_lines()
    assert lines[0] == {"video": "nope", "error": "unknown_video"}
    assert (lines[1]["video"], lines[1]["likes"]) == ("v", 2)
    assert lines[2] == {"video": "gone", "error": "video_deleted"}


def test_count_for_people(db: str) -> None:
    result = likeledger("count", "v", "nope", db=db)
    assert result.code == 1
    assert "v: 2 likes" in result.out
    assert "nope" in result.out
    assert "unknown_video" in result.out


def test_count_needs_a_video(db: str) -> None:
    assert likeledger("count", db=db).code == 2


# -- explain ------------------------------------------------------------------------


def test_explain_json(db: str) -> None:
    result = likeledger("explain", "v", "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert body["video"] == "v"
    assert (body["start"], body["end"]) == (0, 2)
    assert body["changes"] == {"like": 4, "unlike": -1, "integrity_flag": -1}


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-11-27T02:00:00Z", "2026-11-27T05:00:00Z"),
        (str(T0 + 2 * HOUR), str(T0 + 5 * HOUR)),
        ("2026-11-27T03:00:00+01:00", "2026-11-27T06:00:00+01:00"),
    ],
)
def test_explain_window(db: str, since: str, until: str) -> None:
    result = likeledger("explain", "v", "--since", since, "--until", until, "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert (body["start"], body["end"]) == (1, 3)
    assert body["changes"] == {"like": 3, "unlike": -1}


def test_explain_several_videos_with_errors(db: str) -> None:
    result = likeledger("explain", "gone", "v", "nope", "--json", db=db)
    assert result.code == 1
    lines = result.json_lines()
    assert lines[0] == {"video": "gone", "error": "video_deleted"}
    assert lines[1]["video"] == "v"
    assert lines[2] == {"video": "nope", "error": "unknown_video"}


def test_explain_creator_json(db: str) -> None:
    result = likeledger("explain", "--creator", "c", "--json", db=db)
    assert result.code == 0
    body = result.json()
    assert body["creator"] == "c"
    assert (body["start"], body["end"]) == (0, 2)
    assert body["changes"] == {"like": 5, "unlike": -1, "integrity_flag": -1, "video_deleted": -1}
    assert body["start"] + sum(body["changes"].values()) == body["end"]


@pytest.mark.parametrize(
    ("creator", "code"), [("nobody", "unknown_account"), ("x", "account_deleted")]
)
def test_explain_creator_errors(db: str, creator: str, code: str) -> None:
    result = likeledger("explain", "--creator", creator, "--json", db=db)
    assert result.code == 1
    assert result.json() == {"creator": creator, "error": code}


def test_explain_for_people(db: str) -> None:
    result = likeledger("explain", "v", "--since", "2026-11-27T02:00:00Z", db=db)
    assert result.code == 0
    assert "1 → 2" in result.out
    for cause in ("like", "unlike", "integrity_flag"):
        assert cause in result.out


def test_since_later_than_until_exits_2(db: str) -> None:
    result = likeledger(
        "explain", "v", "--since", "2026-11-28T00:00:00Z", "--until", "2026-11-27T00:00:00Z", db=db
    )
    assert result.code == 2
    assert "--since" in result.err
    assert result.out == ""


def test_since_equal_to_until_is_fine(db: str) -> None:
    result = likeledger("explain", "v", "--since", "5", "--until", "5", "--json", db=db)
    assert result.code == 0
    assert result.json()["changes"] == {}


@pytest.mark.parametrize(
    "args",
    [
        ["explain"],
        ["explain", "v", "--creator", "c"],
        ["explain", "v", "--since", "yesterday"],
        ["explain", "v", "--until", "2026-11-27T00:00:00"],
        ["explain", "v", "--since", "1.5"],
        ["explain", "v", "--since", "-1"],
        ["count", "v", "--nope"],
        ["visible", "v"],
        ["no-such-command"],
    ],
)
def test_bad_command_lines_exit_2(db: str, args: list[str]) -> None:
    result = likeledger(*args, db=db)
    assert result.code == 2
    assert result.err


# -- visible ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("video", "viewer", "reason"),
    [
        ("v", "a", None),  # restricted, but a follows c
        ("v", "b", "restricted"),
        ("p", "a", "private"),
        ("p", "c", None),
        ("gone", "a", "deleted"),
        ("xv", "a", "deleted"),
    ],
)
def test_visible_json(db: str, video: str, viewer: str, reason: str | None) -> None:
    result = likeledger("visible", video, "--viewer", viewer, "--json", db=db)
    assert result.code == 0
    assert result.json() == {
        "video": video,
        "viewer": viewer,
        "visible": reason is None,
        "reason": reason,
    }


def test_visible_unknown_video(db: str) -> None:
    result = likeledger("visible", "nope", "--viewer", "a", "--json", db=db)
    assert result.code == 1
    assert result.json() == {"video": "nope", "error": "unknown_video"}


def test_visible_for_people(db: str) -> None:
    assert "cannot see" in likeledger("visible", "p", "--viewer", "a", db=db).out
    assert "private" in likeledger("visible", "p", "--viewer", "a", db=db).out
    assert "can see" in likeledger("visible", "v", "--viewer", "a", db=db).out


# -- choosing the database ----------------------------------------------------------


def test_likeledger_db_environment_variable(db: str, tmp_path: Path) -> None:
    result = likeledger("count", "v", "--json", env={"LIKELEDGER_DB": str(db)}, cwd=tmp_path)
    assert result.code == 0
    assert result.json()["likes"] == 2


def test_sqlite_url_form(tmp_path: Path) -> None:
    """``sqlite:///path`` names the same file as the plain path."""
    events = write_events(tmp_path / "e.jsonl", pub("v", "c", 1), like("a", "v", 2))
    assert likeledger("ingest", events, db=f"sqlite:///{tmp_path / 'l.db'}").code == 0
    result = likeledger("count", "v", "--json", db=tmp_path / "l.db")
    assert result.json()["likes"] == 1


def test_db_option_wins_over_the_environment(db: str, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    result = likeledger("count", "v", "--json", db=db, env={"LIKELEDGER_DB": str(other)})
    assert result.json()["likes"] == 2


def test_default_database_is_likeledger_db_in_the_current_folder(tmp_path: Path) -> None:
    events = write_events(tmp_path / "e.jsonl", pub("v", "c", 1))
    assert likeledger("ingest", events, cwd=tmp_path).code == 0
    assert (tmp_path / "likeledger.db").is_file()
    assert likeledger("count", "v", "--json", cwd=tmp_path).json()["likes"] == 0


def test_an_unreachable_postgres_server_is_a_clear_error_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/ledger"
    result = likeledger("count", "v", db=url, cwd=tmp_path)
    assert result.code == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/ledger" in result.err
    assert "s3cret" not in result.err + result.out
    assert "Traceback" not in result.err
