"""The auth matrix: who may call what, creator isolation, and what a creator never learns."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from .live import Site

WHO = ("admin", "read", "ingest", "maya", "leo", None)

# path -> expected status per caller, in WHO order
MATRIX = {
    "/v1/videos/maya-dance/count": (200, 200, 403, 200, 404, 401),
    "/v1/videos/maya-dance/explain": (200, 200, 403, 200, 404, 401),
    "/v1/videos/maya-dance/visible?viewer=ana": (200, 200, 403, 200, 404, 401),
    "/v1/videos/maya-dance/timeline": (200, 200, 403, 200, 404, 401),
    "/v1/videos/leo-prank/count": (200, 200, 403, 404, 200, 401),
    "/v1/videos/no-such-video/count": (404, 404, 403, 404, 404, 401),
    "/v1/creators/leo/explain": (200, 200, 403, 403, 200, 401),
    "/v1/creators/leo/videos": (200, 200, 403, 403, 200, 401),
    "/v1/creators/leo/timeline": (200, 200, 403, 403, 200, 401),
    "/dashboard/api/creators": (200, 200, 403, 403, 403, 401),
    "/dashboard/api/creators/maya": (200, 200, 403, 200, 403, 401),
    "/dashboard/api/creators/maya/videos/maya-dance": (200, 200, 403, 200, 403, 401),
    "/v1/me": (200, 200, 200, 200, 200, 401),
    "/v1/health": (200, 200, 200, 200, 200, 200),
    "/metrics": (200, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("path", sorted(MATRIX))
def test_matrix(site: Site, path: str) -> None:
    got = []
    for who in WHO:
        with site.client(who) as client:
            got.append(client.get(path).status_code)
    assert tuple(got) == MATRIX[path]


def test_another_creators_video_looks_like_no_video(site: Site) -> None:
    with site.client("maya") as client:
        theirs = client.get("/v1/videos/leo-prank/explain")
        missing = client.get("/v1/videos/leo-nothing/explain")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"] == missing.json()["error"] == "unknown_video"


def test_me_names_the_scopes(site: Site) -> None:
    with site.client("maya") as client:
        me = client.get("/v1/me").json()
    assert me == {
        "scopes": ["creator:maya"],
        "creators": ["maya"],
        "admin": False,
        "reads_all": False,
    }


def test_a_creator_never_sees_account_names(site: Site) -> None:
    names = ("farm-001", "farm-002", "hijacked-dan", "ana", "ben", "chloe")
    with site.client("maya") as client:
        bodies = [
            client.get("/v1/videos/maya-dance/explain").text,
            client.get("/v1/videos/maya-dance/timeline").text,
            client.get("/v1/creators/maya/explain").text,
            client.get("/v1/creators/maya/timeline").text,
            client.get("/dashboard/api/creators/maya").text,
            client.get("/dashboard/api/creators/maya/videos/maya-dance").text,
        ]
    for body in bodies:
        assert "integrity_flag" in body or "like" in body
        for name in names:
            assert name not in body


def test_a_viewers_own_block_is_withheld_from_the_creator(site: Site) -> None:
    events = [
        {"type": "video.published", "ts": 1, "video": "bx-v", "creator": "bx-c"},
        {"type": "block", "ts": 2, "blocker": "bx-fan", "blocked": "bx-c"},
        {"type": "block", "ts": 3, "blocker": "bx-c", "blocked": "bx-troll"},
    ]
    with site.client("ingest") as client:
        assert client.post("/v1/events", json=events).json()["rejected"] == 0
    creator = site.server.token("creator:bx-c")
    answers = {}
    for who, token in (("creator", creator), ("staff", site.tokens["read"])):
        with site.server.client(token) as client:
            for viewer in ("bx-fan", "bx-troll"):
                visible = client.get("/v1/videos/bx-v/visible", params={"viewer": viewer}).json()
                count = client.get("/v1/videos/bx-v/count", params={"viewer": viewer}).json()
                assert visible["reason"] == count["reason"]
                answers[who, viewer] = visible["reason"]
    assert answers == {
        ("creator", "bx-fan"): "withheld",
        ("creator", "bx-troll"): "blocked",
        ("staff", "bx-fan"): "blocked",
        ("staff", "bx-troll"): "blocked",
    }


def test_only_token_hashes_are_stored(site: Site) -> None:
    token = site.tokens["maya"]
    conn = sqlite3.connect(site.server.db)
    try:
        rows = conn.execute("SELECT hash, scopes FROM api_tokens").fetchall()
    finally:
        conn.close()
    assert (hashlib.sha256(token.encode()).hexdigest(), "creator:maya") in rows
    for path in site.server.db.parent.glob("site.db*"):
        assert token.encode() not in path.read_bytes()


def test_unknown_and_malformed_tokens_are_401(site: Site) -> None:
    with site.client(None) as client:
        for header in ("Bearer llk_nope", "Basic abc", "Bearer"):
            reply = client.get("/v1/me", headers={"Authorization": header})
            assert reply.status_code == 401, header
            assert reply.json()["error"] == "unauthorized"
