"""The dashboard page and its data endpoints, over HTTP (the browser test draws them)."""

from __future__ import annotations

import re
from pathlib import Path

from api.live import Site

from .conftest import IMPRESSIONS

STATIC = Path(__file__).resolve().parents[2] / "src" / "likeledger" / "dashboard"


def test_the_page_is_served_with_its_own_assets(site: Site) -> None:
    with site.client(None) as client:
        page = client.get("/")
        script = client.get("/static/dashboard.js")
        style = client.get("/static/dashboard.css")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'src="/static/dashboard.js"' in page.text
    assert 'src="/static/chart.js"' in page.text
    assert 'href="/static/dashboard.css"' in page.text
    assert script.status_code == style.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css")
    assert '"integrity_flag"' in page.text  # cause wording handed to the script


def test_nothing_is_loaded_from_another_host() -> None:
    """Works offline: no CDN, no remote font, no absolute URL other than the SVG namespace."""
    for path in [*STATIC.glob("templates/*.html"), *STATIC.glob("static/*")]:
        text = path.read_text()
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, (path.name, urls)
        assert "@import" not in text


def test_creator_view_numbers(site: Site) -> None:
    with site.client("maya") as client:
        view = client.get("/dashboard/api/creators/maya").json()
        explain = client.get("/v1/creators/maya/explain").json()
    assert view["total"] == explain["end"] == 4
    assert view["story"]["start"] == explain["start"]
    assert {c["cause"]: c["delta"] for c in view["story"]["causes"]} == explain["changes"]
    assert view["story"]["headline"] == "maya: 0 → 4 profile total (the beginning → now)"
    assert any("Don't buy engagement" in line for line in view["story"]["advice"])
    assert [v["video"] for v in view["videos"]] == ["maya-dance"]
    line = view["timeline"]
    assert line["bucket"] == "day"  # the examples span more than four days
    assert line["end"] == 4
    assert sum(b["impressions"] for b in line["buckets"]) == IMPRESSIONS
    assert [v["version"] for v in line["versions"]] == ["ranker-1", "ranker-2"]


def test_video_view_in_a_window(site: Site) -> None:
    with site.client("maya") as client:
        view = client.get(
            "/dashboard/api/creators/maya/videos/maya-dance",
            params={"since": "2026-11-03T00:00:00Z", "until": "2026-11-04T00:00:00Z"},
        ).json()
    story = view["story"]
    assert (story["start"], story["end"]) == (8, 3)
    assert story["causes"] == [
        {
            "cause": "integrity_flag",
            "delta": -5,
            "text": "likes from inauthentic accounts or activity removed",
        }
    ]
    assert view["timeline"]["bucket"] == "hour"
    assert view["likes"] == 4
    losses = [b["losses"] for b in view["timeline"]["buckets"] if b["losses"]]
    assert losses == [{"integrity_flag": -5}]


def test_a_video_must_belong_to_the_creator_in_the_path(site: Site) -> None:
    with site.client("admin") as client:
        wrong = client.get("/dashboard/api/creators/maya/videos/leo-prank")
        top = client.get("/dashboard/api/creators", params={"limit": 3}).json()
    assert wrong.status_code == 404
    assert len(top["creators"]) == 3
    totals = [c["total"] for c in top["creators"]]
    assert totals == sorted(totals, reverse=True)


def test_api_docs_are_served_from_this_server(site: Site) -> None:
    """/docs works offline: Swagger UI's script and style come from /docs/assets."""
    with site.client(None) as client:
        page = client.get("/docs")
        script = client.get("/docs/assets/swagger-ui-bundle.js")
        style = client.get("/docs/assets/swagger-ui.css")
        redoc = client.get("/redoc")
    assert page.status_code == 200
    assert "cdn" not in page.text
    urls = set(re.findall(r'(?:src|href|url)[=:] ?["\']([^"\']+)', page.text))
    assert urls == {
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
        "/docs/assets/favicon-32x32.png",
        "/openapi.json",
    }
    assert script.status_code == style.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css")
    assert redoc.status_code == 404  # ReDoc would need a CDN; it is not offered
