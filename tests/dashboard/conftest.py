"""Fixtures: a live server over the example stories plus a little chart material for maya
(impressions and ranking versions), shared by the page and browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.live import Site, open_site

CHART_EXTRAS = [
    {"type": "ranking.version", "ts": "2026-11-01T00:00:00Z", "id": "rk-1", "version": "ranker-1"},
    {"type": "ranking.version", "ts": "2026-11-02T12:00:00Z", "id": "rk-2", "version": "ranker-2"},
    *(
        {
            "type": "impressions",
            "ts": f"2026-11-0{day}T1{hour}:30:00Z",
            "id": f"im-{day}-{hour}",
            "video": "maya-dance",
            "count": 100 * day + 10 * hour,
            "version": "ranker-1" if day < 3 else "ranker-2",
        }
        for day in (1, 2, 3, 4, 5)
        for hour in (0, 4, 8)
    ),
]
IMPRESSIONS = sum(int(event.get("count", 0)) for event in CHART_EXTRAS)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    for opened in open_site(tmp_path_factory.mktemp("dash")):
        with opened.client("ingest") as client:
            reply = client.post("/v1/events", json=CHART_EXTRAS)
            assert reply.json()["accepted"] == len(CHART_EXTRAS)
        yield opened
