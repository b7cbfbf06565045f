"""Reads against a live server: every answer equals the in-process Ledger's, with as_of."""

from __future__ import annotations

import pytest

from likeledger.ledger import Ledger

from .live import Site

VIDEOS = (
    "maya-dance",
    "leo-prank",
    "leo-cooking",
    "nia-vlog",
    "omar-review",
    "omar-unboxing",
    "pia-song",
    "raj-tutorial",
    "sam-short",
    "uma-recipe",
    "vic-skate",
)
CREATORS = ("maya", "leo", "nia", "omar", "pia", "raj", "sam", "uma", "vic")
WINDOWS = ((None, None), ("2026-11-03T00:00:00Z", None), (None, "2026-11-02T00:00:00Z"))


def _query(since: str | None, until: str | None) -> dict[str, str]:
    return {k: v for k, v in (("since", since), ("until", until)) if v is not None}


def test_counts_equal_the_library(site: Site, reference: Ledger) -> None:
    with site.client("read") as client:
        head = client.get("/v1/health").json()["as_of"]
        for video in VIDEOS:
            body = client.get(f"/v1/videos/{video}/count").json()
            expected = reference.count(video)
            assert (body["likes"], body["creator"]) == (expected.likes, expected.creator)
            assert body["as_of"] >= head
            assert "viewer" not in body


@pytest.mark.parametrize(("since", "until"), WINDOWS)
def test_explanations_equal_the_library(
    site: Site, reference: Ledger, since: str | None, until: str | None
) -> None:
    from likeledger.times import parse_ts

    lo = None if since is None else parse_ts(since)
    hi = None if until is None else parse_ts(until)
    with site.client("read") as client:
        for video in VIDEOS:
            body = client.get(f"/v1/videos/{video}/explain", params=_query(since, until)).json()
            expected = reference.explain(video, lo, hi).to_json()
            assert {k: body[k] for k in ("start", "end", "changes", "since", "until")} == {
                k: expected[k] for k in ("start", "end", "changes", "since", "until")
            }
            assert body["start"] + sum(body["changes"].values()) == body["end"]
        for creator in CREATORS:
            body = client.get(f"/v1/creators/{creator}/explain", params=_query(since, until)).json()
            expected = reference.explain_creator(creator, lo, hi).to_json()
            assert (body["start"], body["end"], body["changes"]) == (
                expected["start"],
                expected["end"],
                expected["changes"],
            )


def test_the_readme_story(site: Site) -> None:
    with site.client("maya") as client:
        body = client.get(
            "/v1/videos/maya-dance/explain", params={"since": "2026-11-03T00:00:00Z"}
        ).json()
    assert (body["start"], body["end"]) == (8, 4)
    assert body["changes"] == {"integrity_flag": -5, "integrity_clear": 1}


def test_times_accept_ms_and_refuse_nonsense(site: Site) -> None:
    with site.client("read") as client:
        in_ms = client.get("/v1/videos/maya-dance/explain", params={"since": "1793664000000"})
        assert in_ms.json()["start"] == 8
        for params in ({"since": "yesterday"}, {"since": "2026-11-05T00:00:00Z", "until": "1"}):
            reply = client.get("/v1/videos/maya-dance/explain", params=params)
            assert reply.status_code == 422
            assert reply.json()["error"] == "invalid_parameter"
        bad_bucket = client.get("/v1/videos/maya-dance/timeline", params={"bucket": "week"})
        assert bad_bucket.status_code == 422


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/videos/nope/count", 404, "unknown_video"),
        ("/v1/videos/tess-dance/count", 410, "video_deleted"),
        ("/v1/videos/sam-old-clip/explain", 410, "video_deleted"),
        ("/v1/videos/nope/visible?viewer=ana", 404, "unknown_video"),
        ("/v1/videos/nope/timeline", 404, "unknown_video"),
        ("/v1/creators/nobody/explain", 404, "unknown_account"),
        ("/v1/creators/tess/explain", 410, "account_deleted"),
        ("/v1/creators/tess/videos", 410, "account_deleted"),
        ("/v1/creators/nobody/timeline", 404, "unknown_account"),
        ("/v1/nothing-here", 404, "not_found"),
    ],
)
def test_errors_name_the_code(site: Site, path: str, status: int, code: str) -> None:
    with site.client("read") as client:
        reply = client.get(path)
    assert reply.status_code == status
    assert reply.json()["error"] == code


def test_visible_matches_the_library(site: Site, reference: Ledger) -> None:
    pairs = [
        ("nia-vlog", "ana"),
        ("nia-vlog", "ben"),
        ("leo-prank", "ana"),
        ("omar-review", "troll"),
    ]
    pairs += [("raj-tutorial", "harasser"), ("tess-dance", "ana"), ("maya-dance", "stranger")]
    with site.client("admin") as client:
        for video, viewer in pairs:
            body = client.get(f"/v1/videos/{video}/visible", params={"viewer": viewer}).json()
            expected = reference.visible(video, viewer)
            assert (body["visible"], body["reason"]) == (expected.visible, expected.reason)
            assert body["as_of"] > 0


def test_count_as_a_viewer_sees_it(site: Site, reference: Ledger) -> None:
    hidden = reference.visible("nia-vlog", "ana")
    assert not hidden.visible
    with site.client("read") as client:
        shown = client.get("/v1/videos/maya-dance/count", params={"viewer": "ana"}).json()
        masked = client.get("/v1/videos/nia-vlog/count", params={"viewer": "ana"}).json()
    assert (shown["likes"], shown["visible"], shown["reason"]) == (4, True, None)
    assert (masked["likes"], masked["visible"], masked["reason"]) == (None, False, hidden.reason)


def test_timeline_adds_up_to_the_count(site: Site, reference: Ledger) -> None:
    with site.client("read") as client:
        for video in VIDEOS:
            for bucket in ("hour", "day"):
                body = client.get(f"/v1/videos/{video}/timeline", params={"bucket": bucket}).json()
                assert body["end"] == reference.count(video).likes
                running = body["start"]
                for slot in body["buckets"]:
                    running += sum(slot["gains"].values()) + sum(slot["losses"].values())
                    assert slot["likes"] == running
                    assert all(delta < 0 for delta in slot["losses"].values())
                    assert slot["ms"] % (3_600_000 if bucket == "hour" else 86_400_000) == 0


def test_timeline_window_and_losses(site: Site) -> None:
    with site.client("maya") as client:
        body = client.get(
            "/v1/videos/maya-dance/timeline",
            params={
                "bucket": "day",
                "since": "2026-11-02T00:00:00Z",
                "until": "2026-11-04T00:00:00Z",
            },
        ).json()
    assert body["start"] == 3
    assert [slot["t"] for slot in body["buckets"]] == [
        "2026-11-02T00:00:00Z",
        "2026-11-03T00:00:00Z",
    ]
    assert body["buckets"][1]["losses"] == {"integrity_flag": -5}
    assert body["end"] == 3


def test_creator_videos_and_timeline(site: Site, reference: Ledger) -> None:
    with site.client("leo") as client:
        videos = client.get("/v1/creators/leo/videos").json()
        line = client.get("/v1/creators/leo/timeline", params={"bucket": "day"}).json()
    total = reference.explain_creator("leo").end
    assert videos["total"] == total
    assert {v["video"]: v["likes"] for v in videos["videos"]} == {
        "leo-prank": reference.count("leo-prank").likes,
        "leo-cooking": reference.count("leo-cooking").likes,
    }
    assert line["end"] == total
    causes = {cause for slot in line["buckets"] for cause in slot["losses"]}
    assert "moderation_remove" in causes


def test_impressions_and_ranking_versions_on_the_timeline(site: Site) -> None:
    events = [
        {
            "type": "video.published",
            "ts": "2026-12-02T00:10:00Z",
            "video": "imp-v",
            "creator": "imp-c",
        },
        {"type": "ranking.version", "ts": "2026-12-02T01:00:00Z", "version": "ranker-7"},
        {"type": "impressions", "ts": "2026-12-02T01:15:00Z", "video": "imp-v", "count": 40},
        {
            "type": "impressions",
            "ts": "2026-12-02T01:45:00Z",
            "video": "imp-v",
            "count": 2,
            "version": "ranker-7",
        },
        {"type": "like", "ts": "2026-12-02T02:00:00Z", "user": "imp-u", "video": "imp-v"},
    ]
    with site.client("ingest") as client:
        written = client.post("/v1/events", json=events).json()
    with site.client("read") as client:
        body = client.get(
            "/v1/videos/imp-v/timeline", params={"min_seq": written["last_seq"]}
        ).json()
    assert body["as_of"] >= written["last_seq"]
    by_time = {slot["t"]: slot for slot in body["buckets"]}
    assert by_time["2026-12-02T01:00:00Z"]["impressions"] == 42
    assert by_time["2026-12-02T02:00:00Z"]["likes"] == 1
    assert [v["version"] for v in body["versions"]] == ["ranker-7"]
