"""The purge end to end on a real ledger: scan is a dry run, --apply writes the flags and
the counts fall by exactly the reported impact, a re-run adds nothing, and clear puts every
count and total back exactly, with the journal saying so."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from ledger_kit import stored_counts
from likeledger.integrity import service
from likeledger.ledger import Ledger

HOUR = 3_600_000
T0 = 1_793_491_200_000


def _platform() -> list[dict[str, Any]]:
    """200 organic users liking 120 videos over 10 days; 30 fresh accounts liking the same
    25 target videos within two hours on day 8; a viral video liked by 150 users in 30 min."""
    rng = random.Random(5)
    events: list[dict[str, Any]] = [
        {"type": "video.published", "ts": T0, "video": f"v{i}", "creator": f"c{i % 12}"}
        for i in range(120)
    ]
    for n in range(3000):
        user, video = f"u{rng.randrange(200)}", f"v{rng.randrange(100)}"
        events.append(
            {
                "type": "like",
                "ts": T0 + rng.randrange(10 * 24 * HOUR),
                "id": f"o{n}",
                "user": user,
                "video": video,
            }
        )
    start = T0 + 8 * 24 * HOUR
    for bot in range(30):
        for target in range(25):
            events.append(
                {
                    "type": "like",
                    "ts": start + rng.randrange(2 * HOUR),
                    "user": f"bot{bot}",
                    "video": f"v{100 + (target % 20)}",
                }
            )
    for fan in range(150):
        events.append(
            {
                "type": "like",
                "ts": start + 3 * HOUR + rng.randrange(HOUR // 2),
                "user": f"u{fan}",
                "video": "v3",
            }
        )
    events.sort(key=lambda e: e["ts"])
    return events


def _open(tmp_path: Path) -> Ledger:
    ledger = Ledger.open(str(tmp_path / "ledger.db"), durable=False)
    report = ledger.ingest_objects(_platform())
    assert report.rejected == 0
    return ledger


def test_scan_is_a_dry_run_that_finds_the_planted_campaign(tmp_path: Path) -> None:
    with _open(tmp_path) as ledger:
        before, head = stored_counts(ledger), ledger.head()
        report = service.run_scan(ledger)
        assert ledger.head() == head
        assert stored_counts(ledger) == before
    assert len(report["campaigns"]) == 1
    campaign = report["campaigns"][0]
    assert set(campaign["accounts"]) == {f"bot{i}" for i in range(30)}
    assert set(campaign["targets"]) == {f"v{100 + i}" for i in range(20)}
    assert {flag["user"] for flag in report["flags"]} == {f"bot{i}" for i in range(30)}
    assert all(not flag["user"].startswith("u") for flag in report["flags"])  # viral fans stay


def test_apply_then_clear_restores_every_count_exactly(tmp_path: Path) -> None:
    with _open(tmp_path) as ledger:
        before = stored_counts(ledger)
        report = service.apply(
            ledger, service.run_scan(ledger), clock=lambda: T0 / 1000 + 10 * 86400
        )
        assert all(isinstance(flag["seq"], int) for flag in report["flags"])
        live, _, totals = stored_counts(ledger)
        for row in report["impact"]["videos"]:
            assert live[row["video"]] == before[0][row["video"]] - row["likes_lost"]
        for row in report["impact"]["creators"]:
            assert totals[row["creator"]] == before[2][row["creator"]] - row["likes_lost"]
        lost = sum(row["likes_lost"] for row in report["impact"]["videos"])
        assert lost == 30 * 20
        again = service.run_scan(ledger)
        assert again["flags"] == []
        assert service.apply(ledger, again)["applied"]["accepted"] == 0
        explained = ledger.explain("v100").changes
        assert explained["integrity_flag"] == -30
        result = service.clear(
            ledger, report["campaigns"][0]["id"], clock=lambda: T0 / 1000 + 11 * 86400
        )
        assert result["cleared"] == 30
        assert stored_counts(ledger) == before
        assert ledger.explain("v100").changes["integrity_clear"] == 30
        assert ledger.reconcile().drift == []
        assert service.clear(ledger, report["campaigns"][0]["id"])["cleared"] == 0


def test_the_cli_scan_apply_and_clear(tmp_path: Path) -> None:
    _open(tmp_path).close()
    db = str(tmp_path / "ledger.db")

    def run(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "likeledger", "--db", db, "integrity", *args],
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return orjson.loads(done.stdout)

    dry = run("scan", "--json")
    assert set(dry) >= {"campaigns", "flags", "impact"}
    assert len(dry["campaigns"]) == 1
    applied = run("scan", "--apply", "--json")
    assert len(applied["flags"]) == 30
    assert all("seq" in f for f in applied["flags"])
    assert run("scan", "--json")["flags"] == []
    cleared = run("clear", applied["campaigns"][0]["id"], "--json")
    assert cleared["cleared"] == 30


def test_impact_leaves_out_likes_a_block_already_sets_aside(tmp_path: Path) -> None:
    """bot0 blocked the creator of v100: its like there no longer counts, so the purge cannot
    take it, and the reported impact says so; the counts still fall by exactly the impact."""
    with _open(tmp_path) as ledger:
        block = {"type": "block", "ts": T0 + 9 * 24 * HOUR, "blocker": "bot0", "blocked": "c4"}
        assert ledger.ingest_objects([block]).rejected == 0
        before = stored_counts(ledger)
        report = service.run_scan(ledger)
        assert {f["user"] for f in report["flags"]} == {f"bot{i}" for i in range(30)}
        lost = {row["video"]: row["likes_lost"] for row in report["impact"]["videos"]}
        assert lost["v100"] == 29  # v100 is c4's (100 % 12 == 4)
        assert lost["v101"] == 30
        service.apply(ledger, report, clock=lambda: T0 / 1000 + 10 * 86400)
        live, _, totals = stored_counts(ledger)
        for video, n in lost.items():
            assert live[video] == before[0][video] - n
        for row in report["impact"]["creators"]:
            assert totals[row["creator"]] == before[2][row["creator"]] - row["likes_lost"]
