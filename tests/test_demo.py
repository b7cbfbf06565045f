"""``make demo`` end to end on a smaller platform: stories for each headline cause, the
exposure story of a ranking update, every count cause in the summary, a clean reconcile,
and an HTML report that needs nothing from the network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from likeledger.demo import main


def test_demo_tells_each_story_and_writes_an_offline_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.html"
    args = ["--db", str(tmp_path / "demo.db"), "--report", str(report)]
    assert main([*args, "--users", "3000", "--videos", "300", "--days", "14"]) == 0
    out = capsys.readouterr().out
    for title in ("a bot purge", "a removal, then an appeal", "deactivations", "a ranking update"):
        assert f"— hit by {title}" in out
    assert "reconcile: 0 drifted subjects" in out
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
