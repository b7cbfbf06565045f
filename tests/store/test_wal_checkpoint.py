"""SQLite-only: the writer checkpoints the WAL before a write, so the WAL stays bounded
even though commits no longer checkpoint on their own (wal_autocheckpoint=0)."""

from __future__ import annotations

import os
from pathlib import Path

from likeledger.ledger import Ledger
from likeledger.store.sqlite import WAL_CHECKPOINT_BYTES


def _likes(n: int) -> list[dict[str, object]]:
    events: list[dict[str, object]] = [
        {"type": "video.published", "ts": 1, "video": f"v{v}", "creator": f"c{v}"}
        for v in range(100)
    ]
    events += [
        {"type": "like", "ts": 2 + i, "id": f"e{i}", "user": f"u{i}", "video": f"v{i % 100}"}
        for i in range(n)
    ]
    return events


def test_the_wal_stays_bounded_across_many_batches(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    wal = Path(str(db) + "-wal")
    peak = 0
    likes = _likes(60_000)
    with Ledger.open(str(db)) as ledger:
        for chunk in range(24):
            ledger.ingest_objects(likes[chunk * 2_500 : (chunk + 1) * 2_500 + 100])
            peak = max(peak, wal.stat().st_size)
        written = ledger.head()
        assert ledger.count("v7").likes > 0
    assert written > 59_000
    # Without checkpoints the WAL would hold every batch (it grows past 8 MiB here); with
    # them it stays within one threshold plus the last write.
    assert peak < 2 * WAL_CHECKPOINT_BYTES
    assert os.path.exists(db)


def test_closing_checkpoints_what_is_left(tmp_path: Path) -> None:
    db = tmp_path / "close.db"
    with Ledger.open(str(db)) as ledger:
        ledger.ingest_objects(_likes(2_000))
    wal = Path(str(db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with Ledger.open(str(db)) as again:
        assert again.count("v3").likes == 20
