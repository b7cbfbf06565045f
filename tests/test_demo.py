"""``make demo`` end to end on a smaller platform: stories for each headline cause, the
exposure story of a ranking update, every count cause in the summary, a clean reconcile,
and an HTML report that needs nothing from the network. The integrity team is the detector:
its sweeps find the simulated farms, and the ledger explains exactly what they applied."""

from __future__ import annotations

import io
import re
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from likeledger.demo import Outcome, run
from likeledger.ledger import Ledger

SIZE = ["--users", "3000", "--videos", "300", "--days", "14"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path, str]:
    """One small demo run: its outcome, its folder and what it printed."""
    folder = tmp_path_factory.mktemp("demo")
    args = ["--db", str(folder / "demo.db"), "--report", str(folder / "report.html")]
    with redirect_stdout(io.StringIO()) as out:
        outcome = run([*args, *SIZE])
    return outcome, folder, out.getvalue()


def test_demo_tells_each_story_and_writes_an_offline_report(
    demo: tuple[Outcome, Path, str],
) -> None:
    _, folder, out = demo
    report = folder / "report.html"
    for title in ("a bot purge", "a removal, then an appeal", "deactivations", "a ranking update"):
        assert f"— hit by {title}" in out
    assert "reconcile: 0 drifted subjects" in out
    purge = out.split("— hit by a bot purge")[1].split("— hit by")[0]
    week = purge.split("the week that mattered:")[1].split("what to do:")[0]
    assert re.search(r"-[\d,]+\s+integrity_flag\b", week)  # the week of the detector's sweep
    assert "after ranking version" in out  # the exposure sentence names the update
    assert "Fewer people were shown your videos" in out  # and the advice follows from it
    for cause in (
        "integrity_flag",
        "moderation_remove",
        "block",
        "account_deactivated",
        "account_suspended",
        "account_banned",
        "account_deleted",
        "unlike",
    ):
        assert re.search(rf"[-+][\d,]+\s+{cause}\b", out), cause
    page = report.read_text()
    assert page.count("<svg") == 4
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert "<script" not in page


def _flagged_users(outcome: Outcome) -> set[str]:
    return {flag["user"] for sweep in outcome.sweeps for flag in sweep["flags"]}


def test_the_detector_finds_the_farms(demo: tuple[Outcome, Path, str]) -> None:
    """The simulator flags no one: every flag is the detector's, nearly all on farm accounts,
    and it catches nearly every fake account of every farm."""
    outcome, _, _ = demo
    truth = outcome.sim.truth
    assert outcome.sim.config.scenario.bots_flagged == 0.0
    bots = {truth.user_names[u] for u in truth.bots | truth.hijacked}
    fakes = {truth.user_names[u] for u in truth.bots}
    flagged = _flagged_users(outcome)
    assert len(flagged & bots) >= 0.95 * len(flagged)  # precision
    assert len(flagged & fakes) >= 0.9 * len(fakes)  # recall of the fake accounts
    farms = [i for i in truth.incidents if i["kind"] == "bot_campaign"]
    assert len(farms) == 4
    assert all(len(farm["videos"]) >= 5 for farm in farms)
    assert all(sweep["applied"]["rejected"] == 0 for sweep in outcome.sweeps)


def test_explanations_equal_what_the_detector_applied(demo: tuple[Outcome, Path, str]) -> None:
    """Per video, the journal's integrity_flag change is exactly the likes the applied sweeps
    said it would lose; no other video has one, and nothing was cleared."""
    outcome, folder, _ = demo
    applied: Counter[str] = Counter()
    for sweep in outcome.sweeps:
        for row in sweep["impact"]["videos"]:
            applied[row["video"]] += row["likes_lost"]
    assert sum(applied.values()) > 0
    truth = outcome.sim.truth
    with Ledger.open(str(folder / "demo.db")) as ledger:
        for v in truth.likes:  # the videos still there at the end
            name = truth.video_names[v]
            changes = ledger.explain(name).changes
            assert changes.get("integrity_flag", 0) == -applied[name], name
            assert "integrity_clear" not in changes
