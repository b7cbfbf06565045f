"""The columnar copy of the ledger (``likeledger.bulk.export``) on real SQLite files and real
PostgreSQL databases: recomputing from it equals the pure fold while the ledger grows run
after run, each run appends only the new events, and a copy that is not of this ledger
(another ledger, ahead of it, damaged, gone) is rebuilt, never trusted."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_kit import Backend, feed, like, probe, pub, unlike
from likeledger.bulk import export as export_module
from likeledger.errors import ConfigError
from likeledger.ledger import Ledger
from likeledger.reconcile import fold_truth
from likeledger.results import CopyRefresh
from properties.streams import lines_of, streams


def _open(backend: Backend) -> Ledger:
    return backend.open(backend.commits[-1])


def _check(ledger: Ledger, copy: Path, *, reused: int) -> None:
    """Reconcile from the copy: no drift, the copy's truth is the fold's, ``reused`` events
    came from the copy as it was and it now reaches the head."""
    report = ledger.reconcile(export=copy)
    assert report.drift == []
    assert report.export is not None
    assert report.export.reused_through == reused
    assert report.export.appended_through == ledger.store.head() == report.events
    exported = export_module.LedgerExport(copy)
    assert ledger.store.recompute_bulk(exported) == fold_truth(ledger.store)


def _rebuilt(ledger: Ledger, copy: Path) -> CopyRefresh:
    """Reconcile from a copy that must be found wrong and rebuilt; no drift either way."""
    report = ledger.reconcile(export=copy)
    assert report.export is not None
    assert report.export.rebuilt
    assert report.drift == []
    return report.export


def _segments(copy: Path) -> list[str]:
    return sorted(path.name for path in copy.glob("seg-*.parquet"))


def test_the_copy_grows_run_after_run_and_equals_the_fold(backend: Backend) -> None:
    @backend.examples()
    @given(streams(max_size=90), st.data())
    def check(stream: list[dict[str, Any]], data: st.DataObject) -> None:
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=3)))
        with _open(backend) as ledger, tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "copy"
            reached = 0
            for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
                ledger.ingest(lines_of(stream[start:end]))
                _check(ledger, copy, reused=reached)
                reached = ledger.store.head()

    check()


def test_each_run_appends_one_file_with_only_the_new_events(
    backend: Backend, tmp_path: Path
) -> None:
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0), like("a", "v", 1), like("b", "v", 2))
        _check(ledger, tmp_path, reused=0)
        assert _segments(tmp_path) == ["seg-000000000001-000000000003.parquet"]
        _check(ledger, tmp_path, reused=3)  # nothing new: no new file
        feed(ledger, unlike("a", "v", 3), like("d", "v", 4))
        _check(ledger, tmp_path, reused=3)
        assert _segments(tmp_path)[-1] == "seg-000000000004-000000000005.parquet"
        assert ledger.count("v").likes == 2


def test_a_copy_of_another_ledger_is_rebuilt(backend: Backend, tmp_path: Path) -> None:
    with _open(backend) as first:
        feed(first, pub("v", "c", 0), like("a", "v", 1), like("b", "v", 2), like("e", "v", 3))
        _check(first, tmp_path, reused=0)
    with _open(backend) as second:  # a different ledger, longer than the copy
        feed(
            second, pub("w", "c", 0), like("a", "w", 1), *(like(f"u{i}", "w", 2) for i in range(5))
        )
        assert _rebuilt(second, tmp_path).reused_through == 0
        assert second.store.recompute_bulk(export_module.LedgerExport(tmp_path)).likes == {"w": 6}


def test_a_copy_ahead_of_the_ledger_is_rebuilt(backend: Backend, tmp_path: Path) -> None:
    with _open(backend) as longer:
        feed(longer, pub("v", "c", 0), *(like(f"u{i}", "v", 1) for i in range(6)))
        _check(longer, tmp_path, reused=0)
    with _open(backend) as shorter:
        feed(shorter, pub("v", "c", 0), like("u0", "v", 1))
        assert _rebuilt(shorter, tmp_path).appended_through == 2
        assert probe(shorter).counts()[0] == {"v": 1}


def test_a_damaged_or_missing_file_is_rebuilt_from_the_ledger(
    backend: Backend, tmp_path: Path
) -> None:
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0), like("a", "v", 1), like("b", "v", 2))
        _check(ledger, tmp_path, reused=0)
        [segment] = _segments(tmp_path)
        (tmp_path / segment).write_bytes(b"not parquet at all")
        feed(ledger, like("d", "v", 3))
        assert _rebuilt(ledger, tmp_path).appended_through == 4
        (tmp_path / _segments(tmp_path)[0]).unlink()
        assert _rebuilt(ledger, tmp_path).appended_through == 4


def test_many_files_are_merged_into_one_and_samples_stay_few(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "MAX_SEGMENTS", 3)
    monkeypatch.setattr(export_module, "MAX_SAMPLES", 6)
    (tmp_path / "notes.parquet").write_bytes(b"someone else's file")
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0))
        _check(ledger, tmp_path, reused=0)
        for n in range(6):
            feed(ledger, like(f"u{n}", "v", n + 1))
            _check(ledger, tmp_path, reused=n + 1)
            assert 1 <= len(_segments(tmp_path)) <= 3
            samples = json.loads((tmp_path / "manifest.json").read_text())["samples"]
            assert len(samples) <= 6
            assert str(n + 2) in samples  # the last row is always one
        assert ledger.count("v").likes == 6
    assert (tmp_path / "notes.parquet").read_bytes() == b"someone else's file"


def test_a_folder_that_cannot_be_made_is_a_clear_error(backend: Backend, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0))
        with pytest.raises(ConfigError, match=r"cannot use .*file/copy for the ledger copy"):
            ledger.reconcile(export=tmp_path / "file" / "copy")


def test_an_unreadable_manifest_starts_the_copy_afresh(backend: Backend, tmp_path: Path) -> None:
    with _open(backend) as ledger:
        feed(ledger, pub("v", "c", 0), like("a", "v", 1))
        _check(ledger, tmp_path, reused=0)
        (tmp_path / "manifest.json").write_text('{"format": 1, "segments": ["../../etc"]}')
        _check(ledger, tmp_path, reused=0)
        assert len(_segments(tmp_path)) == 1
