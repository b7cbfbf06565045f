"""Every event is valid SEMANTICS.md input, a ledger refuses none of them, and what the
ledger explains equals the simulator's ground truth, cause by cause."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from likeledger.events import parse_object
from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.sim.config import DAY_MS
from likeledger.sim.truth import write_truth

from .conftest import SMALL, Run


def test_every_event_is_valid(small_run: Run) -> None:
    for event in small_run.events:
        parsed = parse_object(event)
        assert isinstance(event["ts"], int)
        assert isinstance(event["id"], str)
        assert parsed.ts == event["ts"]


def test_time_only_goes_back_for_late_likes_and_retries(small_run: Run) -> None:
    seen: set[str] = set()
    latest = 0
    for event in small_run.events:
        first = event["id"] not in seen
        seen.add(event["id"])
        if first and event["ts"] < latest:
            assert event["type"] in ("like", "unlike"), event
        latest = max(latest, event["ts"])


def test_a_ledger_accepts_everything(small_run: Run, ingested: tuple[Ledger, IngestReport]) -> None:
    _, report = ingested
    repeats = len(small_run.events) - len({event["id"] for event in small_run.events})
    assert report.rejected == 0, report.errors[:5]
    assert report.duplicates == repeats > 0
    assert report.stale > 0
    assert report.accepted == len(small_run.events) - repeats


def test_counts_equal_the_truth(small_run: Run, ingested: tuple[Ledger, IngestReport]) -> None:
    ledger, _ = ingested
    truth = small_run.sim.truth
    for video, likes in truth.to_json()["likes"].items():
        assert ledger.count(video).likes == likes, video


@pytest.mark.parametrize("days", [None, (0, 3), (3, 7), (6, 10), (4, 5)])
def test_explanations_equal_the_truth(
    small_run: Run, ingested: tuple[Ledger, IngestReport], days: tuple[int, int] | None
) -> None:
    ledger, _ = ingested
    truth = small_run.sim.truth
    since = until = None
    if days is not None:
        since, until = (SMALL.start + d * DAY_MS for d in days)
    window = None if days is None else range(*days)
    for v in truth.likes:
        name = truth.video_names[v]
        expected = _nonzero(truth.net(video=name, days=window))
        assert _nonzero(ledger.explain(name, since, until).changes) == expected, name
    for c in truth.totals:
        name = truth.user_names[c]
        expected = _nonzero(truth.net(creator=name, days=window))
        assert _nonzero(ledger.explain_creator(name, since, until).changes) == expected, name


def test_creator_totals_add_up(small_run: Run) -> None:
    w = small_run.sim.world
    totals: Counter[int] = Counter()
    for v in range(w.nv):
        if w.in_total(v):
            totals[w.creator[v]] += w.likes[v]
    for c, total in small_run.sim.truth.totals.items():
        assert total == totals[c]


def test_truth_is_json(small_run: Run, tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    write_truth(small_run.sim.truth, path)
    data = orjson.loads(path.read_bytes())
    assert data["days"] == SMALL.days
    assert data["bots"]
    assert set(data["videos"]) <= {f"v{i}" for i in range(SMALL.videos)}
    assert [r["version"] for r in data["ranking"]] == ["r1", "r2", "r3"]


def _nonzero(changes: dict[str, int]) -> dict[str, int]:
    return {cause: delta for cause, delta in changes.items() if delta}
