"""count, profile totals, opening ledgers and the ingest API over real SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_kit import Backend, ev, feed, like, moderate, probe, pub, status, total
from likeledger.errors import ConfigError, LedgerError, UnknownVideo, VideoDeleted
from likeledger.ledger import Ledger


def test_count(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 1), like("a", "v", 2), like("b", "v", 3))
    result = ledger.count("v")
    assert (result.video, result.likes, result.creator, result.as_of) == ("v", 2, "c", 3)
    assert result.to_json() == {"video": "v", "likes": 2, "creator": "c", "as_of": 3}


def test_count_of_a_video_without_likes_is_zero(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 1))
    assert ledger.count("v").likes == 0


def test_count_errors(ledger: Ledger) -> None:
    with pytest.raises(UnknownVideo) as unknown:
        ledger.count("v")
    assert (unknown.value.code, unknown.value.subject) == ("unknown_video", "v")
    feed(ledger, pub("v", "c", 1), like("a", "v", 2), ev("video.deleted", 3, video="v"))
    with pytest.raises(VideoDeleted) as deleted:
        ledger.count("v")
    assert deleted.value.code == "video_deleted"


def test_profile_total_sums_live_unremoved_videos(ledger: Ledger) -> None:
    feed(ledger, pub("v1", "c", 1), pub("v2", "c", 1), pub("v3", "c", 1), pub("x", "other", 1))
    feed(ledger, *(like(u, v, 2) for u in "abc" for v in ("v1", "v2", "v3", "x")))
    assert total(ledger, "c") == 9
    feed(ledger, moderate("v1", "remove", 3))
    assert total(ledger, "c") == 6
    feed(ledger, moderate("v2", "restrict", 3))
    assert total(ledger, "c") == 6  # restriction hides the video, it does not cut the total
    feed(ledger, ev("video.deleted", 4, video="v3"))
    assert total(ledger, "c") == 3
    feed(ledger, moderate("v1", "restore", 5))
    assert total(ledger, "c") == 6
    assert total(ledger, "other") == 3
    assert ledger.count("v1").likes == 3


def test_the_likes_of_a_deactivated_liker_come_back(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 1), like("a", "v", 2), like("b", "v", 2))
    feed(ledger, status("a", "deactivated", 3))
    assert (ledger.count("v").likes, total(ledger, "c")) == (1, 1)
    feed(ledger, status("a", "active", 4))
    assert (ledger.count("v").likes, total(ledger, "c")) == (2, 2)


def test_a_deactivated_creator_keeps_counts(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 1), like("a", "v", 2), status("c", "deactivated", 3))
    assert ledger.count("v").likes == 1
    assert total(ledger, "c") == 1
    assert ledger.visible("v", "a").reason == "creator_inactive"


# Choosing the database: SQLite paths and URL forms (SQLite-only by nature) and what goes
# wrong with a URL; the environment variable on both backends.
@pytest.mark.parametrize("form", ["plain", "url"])
def test_open_a_file_and_reopen_it(tmp_path: Path, form: str) -> None:
    path = tmp_path / "ledger.db"
    url = str(path) if form == "plain" else f"sqlite:///{path}"
    with Ledger.open(url) as first:
        feed(first, pub("v", "c", 1), like("a", "v", 2))
    assert path.is_file()
    with Ledger.open(url) as again:
        assert again.count("v").likes == 1
        assert again.head() == 2
        feed(again, like("b", "v", 3))
        assert again.count("v").likes == 2


def test_open_uses_likeledger_db_from_the_environment(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend.fresh()
    monkeypatch.setenv("LIKELEDGER_DB", url)
    with Ledger.open() as opened:
        feed(opened, pub("v", "c", 1), like("a", "v", 2))
    with Ledger.open(url) as named:
        assert (named.head(), named.count("v").likes) == (2, 1)


def test_open_defaults_to_likeledger_db_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIKELEDGER_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    with Ledger.open() as opened:
        feed(opened, pub("v", "c", 1))
    assert (tmp_path / "likeledger.db").is_file()


@pytest.mark.parametrize("url", ["nowhere/at/all/x.db", "sqlite://host/x.db", "mysql://x/y"])
def test_bad_urls_raise_config_error(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError):
        Ledger.open(url)


def test_an_unreachable_postgres_is_a_ledger_error_naming_it() -> None:
    with pytest.raises(LedgerError, match="PostgreSQL"):
        Ledger.open("postgresql://127.0.0.1:1/nothing")


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=str(tmp_path)):
        Ledger.open(str(tmp_path))


def test_ingest_numbers_lines_from_one_counting_blank_lines(ledger: Ledger) -> None:
    lines = [
        '{"type": "video.published", "ts": 1, "video": "v", "creator": "c"}\n',
        "\n",
        "   \n",
        '{"type": "like", "ts": 2, "user": "a", "video": "nope"}\n',
        b'{"type": "like", "ts": 2, "user": "a", "video": "v"}\r\n',
        b"\x00\x01\xff\n",
    ]
    report = ledger.ingest(lines, source="f.jsonl")
    assert (report.accepted, report.rejected) == (2, 2)
    assert [(e.line, e.code, e.file) for e in report.errors] == [
        (4, "unknown_video", "f.jsonl"),
        (6, "invalid_event", "f.jsonl"),
    ]


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_line_numbers_do_not_depend_on_batch_size(ledger: Ledger, batch_size: int) -> None:
    lines = ['{"type": "video.published", "ts": 1, "video": "v", "creator": "c"}'] + [
        '{"type": "like", "ts": 2, "user": "a", "video": "v"}' if i % 3 else "{" for i in range(9)
    ]
    report = ledger.ingest(lines, batch_size=batch_size)
    assert [e.line for e in report.errors] == [2, 5, 8]
    assert report.accepted == 7


def test_ingest_objects_numbers_from_one(ledger: Ledger) -> None:
    report = ledger.ingest_objects([pub("v", "c", 1), "not an object", like("a", "v", 2)])
    assert [(e.line, e.code) for e in report.errors] == [(2, "invalid_event")]
    assert report.accepted == 2


def test_ingest_report_json(ledger: Ledger) -> None:
    report = ledger.ingest_objects([pub("v", "c", 1, id_="p"), pub("v", "c", 1, id_="p"), {}])
    body = report.to_json()
    assert {k: body[k] for k in ("accepted", "duplicates", "stale", "rejected")} == {
        "accepted": 1,
        "duplicates": 1,
        "stale": 0,
        "rejected": 1,
    }
    assert body["errors"] == [
        {"line": 3, "code": "invalid_event", "message": "missing required field 'type'"}
    ]
    assert report.to_json(with_file=True)["errors"][0]["file"] is None


def test_empty_input(ledger: Ledger) -> None:
    report = ledger.ingest([])
    assert (report.accepted, report.duplicates, report.rejected, report.errors) == (0, 0, 0, [])
    assert ledger.head() == 0


def test_impressions_and_ranking_versions_change_no_count(ledger: Ledger) -> None:
    feed(ledger, pub("v", "c", 1), like("a", "v", 2))
    before = ledger.explain("v").changes
    feed(
        ledger,
        ev("ranking.version", 3, version="r2"),
        ev("impressions", 4, video="v", count=1000, version="r2"),
        ev("impressions", 5, video="v", count=0),
        ev("follow", 6, follower="a", followee="c"),
    )
    assert ledger.explain("v").changes == before
    assert probe(ledger).impressions() == 1000


def test_the_latest_instants_are_explained_or_refused(ledger: Ledger) -> None:
    """RFC 3339 can name instants past 9999-12-31T23:59:59.999Z (a negative offset on the
    last day). Either such a ts is invalid, as its integer form is, or explain covers it:
    with since open, start is 0 and every entry is in changes."""
    late = "9999-12-31T23:59:59.999-23:59"
    report = ledger.ingest_objects([pub("v", "c", 0), like("a", "v", late)])
    if report.errors:
        assert [e.code for e in report.errors] == ["invalid_event"]
        assert ledger.count("v").likes == 0
    else:
        exp = ledger.explain("v")
        assert (exp.start, exp.end, exp.changes) == (0, 1, {"like": 1})


def test_a_batch_size_of_zero_is_an_error_not_a_silent_no_op(ledger: Ledger) -> None:
    line = '{"type": "video.published", "ts": 1, "video": "v", "creator": "c"}'
    try:
        report = ledger.ingest([line], batch_size=0)
    except ValueError:
        return
    # if it is accepted at all, the input must not be dropped
    assert report.accepted == 1
    assert ledger.count("v").likes == 0
