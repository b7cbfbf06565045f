"""Integrity routes (admin) on a live server: dry-run scan, apply the purge, clear it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from .live import LiveServer

HOUR = 3_600_000
T0 = 1_793_491_200_000


def _platform() -> list[dict[str, Any]]:
    """Organic likes on 80 videos over 10 days, and 25 fresh accounts liking the same 15
    target videos within two hours on day 8: one planted campaign."""
    rng = random.Random(7)
    events: list[dict[str, Any]] = [
        {"type": "video.published", "ts": T0, "video": f"v{i}", "creator": f"c{i % 8}"}
        for i in range(95)
    ]
    for n in range(2000):
        events.append(
            {
                "type": "like",
                "ts": T0 + rng.randrange(10 * 24 * HOUR),
                "id": f"o{n}",
                "user": f"u{rng.randrange(150)}",
                "video": f"v{rng.randrange(80)}",
            }
        )
    start = T0 + 8 * 24 * HOUR
    for bot in range(25):
        for target in range(15):
            events.append(
                {
                    "type": "like",
                    "ts": start + rng.randrange(2 * HOUR),
                    "user": f"bot{bot}",
                    "video": f"v{80 + target}",
                }
            )
    events.sort(key=lambda event: event["ts"])
    return events


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    with LiveServer(tmp_path_factory.mktemp("integrity") / "i.db") as server:
        admin = server.token("admin")
        with server.client(admin) as client:
            reply = client.post("/v1/events", json=_platform())
            assert reply.json()["rejected"] == 0
        yield server, admin


def _totals(server: LiveServer, token: str) -> dict[str, int]:
    with server.client(token) as client:
        return {f"c{c}": client.get(f"/v1/creators/c{c}/explain").json()["end"] for c in range(8)}


def test_scan_apply_clear(planted: tuple[LiveServer, str]) -> None:
    server, admin = planted
    before = _totals(server, admin)
    with server.client(admin) as client:
        head = client.get("/v1/health").json()["as_of"]
        report = client.get("/v1/integrity/scan").json()
        assert client.get("/v1/health").json()["as_of"] == head  # a dry run
        (campaign,) = report["campaigns"]
        assert {f"bot{n}" for n in range(25)} <= set(campaign["accounts"])
        lost = {row["creator"]: row["likes_lost"] for row in report["impact"]["creators"]}
        applied = client.post("/v1/integrity/apply").json()
        assert applied["applied"]["accepted"] == len(report["flags"]) > 0
        assert applied["as_of"] > head
        again = client.post("/v1/integrity/apply").json()
        assert again["flags"] == []  # flagged likes no longer count, so nothing is found
    after = _totals(server, admin)
    assert {c: before[c] - after[c] for c in before if before[c] != after[c]} == lost
    with server.client(admin) as client:
        cleared = client.post(f"/v1/integrity/campaigns/{campaign['id']}/clear").json()
        explain = client.get("/v1/creators/c0/explain").json()
    assert cleared["cleared"] == len(report["flags"])
    assert _totals(server, admin) == before
    assert (
        explain["changes"].get("integrity_flag", 0) + explain["changes"].get("integrity_clear", 0)
        == 0
    )


def test_integrity_is_admin_only(planted: tuple[LiveServer, str]) -> None:
    server, _ = planted
    for scopes in (("read",), ("ingest",), ("creator:c0",)):
        with server.client(server.token(*scopes)) as client:
            assert client.get("/v1/integrity/scan").status_code == 403
            assert client.post("/v1/integrity/apply").status_code == 403
            assert client.post("/v1/integrity/campaigns/x/clear").status_code == 403
    with server.client(None) as client:
        assert client.get("/v1/integrity/scan").status_code == 401


def test_clearing_an_unknown_campaign_clears_nothing(planted: tuple[LiveServer, str]) -> None:
    server, admin = planted
    with server.client(admin) as client:
        reply = client.post("/v1/integrity/campaigns/no-such-campaign/clear").json()
    assert (reply["cleared"], reply["rejected"], reply["last_seq"]) == (0, 0, None)
