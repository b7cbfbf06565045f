"""Properties over random event streams: incremental == from scratch, journals add up,
and how a stream is delivered (batches, retries, replays, reopening) changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger_kit import journal, journal_sums, stored_counts
from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.rules import CAUSES

from .streams import HOUR, lines_of, streams

JUNK = [b"{", b"", b"\xff\xfe", b'{"type": "like", "ts": 1.5, "user": "u0", "video": "v0"}']


def _ingest(stream: list[dict[str, Any]], batch_size: int = 10_000) -> tuple[Ledger, IngestReport]:
    return _ingest_lines(lines_of(stream, junk=JUNK), batch_size)


def _ingest_lines(lines: list[bytes], batch_size: int = 10_000) -> tuple[Ledger, IngestReport]:
    ledger = Ledger.open(":memory:")
    return ledger, ledger.ingest(lines, batch_size=batch_size)


def _snapshot(ledger: Ledger) -> dict[str, Any]:
    """Everything observable, by external names: ledger rows, journal, counts, state."""
    conn = ledger.store.conn
    return {
        "ledger": conn.execute("SELECT seq, key, type, ts, payload, stale FROM ledger").fetchall(),
        "journal": journal(ledger),
        "counts": stored_counts(ledger),
        "users": sorted(conn.execute("SELECT name, status, flagged FROM users").fetchall()),
        "videos": sorted(
            conn.execute("SELECT name, visibility, moderation, deleted FROM videos").fetchall()
        ),
    }


def _report(report: IngestReport) -> tuple[Any, ...]:
    errors = [(e.line, e.code, e.message) for e in report.errors]
    return report.accepted, report.duplicates, report.stale, report.rejected, errors


def _assert_healthy(ledger: Ledger) -> None:
    live, dead, totals = stored_counts(ledger)
    truth = ledger.recompute()
    assert truth.likes == live
    for name, value in totals.items():
        assert value == truth.totals.get(name, 0), name
    assert set(truth.totals) <= set(totals)
    sums = journal_sums(ledger)
    for name, value in {**live, **dead}.items():
        assert sums.get(("video", name), 0) == value, name
    for name, value in totals.items():
        assert sums.get(("creator", name), 0) == value, name
    assert all(v >= 0 for v in {**live, **dead, **totals}.values())
    report = ledger.reconcile()
    assert report.drift == []
    assert report.events == ledger.head()


def _fast_ledger(folder: str) -> Ledger:
    """A file ledger with every shortcut forced on: set-based account-wide cascades for any
    account with a like, hourly roll-ups for any subject with an entry."""
    return Ledger.open(
        str(Path(folder) / "fast.db"), durable=False, flip_threshold=1, rollup_from=1
    )


@given(streams(), st.booleans())
def test_incremental_counts_equal_the_from_scratch_recompute(
    stream: list[dict[str, Any]], fast: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if fast:
            ledger = _fast_ledger(folder)
            report = ledger.ingest(lines_of(stream, junk=JUNK), batch_size=7)
        else:
            ledger, report = _ingest(stream)
        _check_incremental(ledger, report, stream)


def _check_incremental(ledger: Ledger, report: IngestReport, stream: list[dict[str, Any]]) -> None:
    with ledger:
        assert report.accepted == ledger.head()
        assert report.stale <= report.accepted
        assert report.accepted + report.duplicates + report.rejected == len(stream) + 3
        assert [e.code for e in report.errors].count("invalid_event") == 3  # the junk lines
        _assert_healthy(ledger)
        # no journal entry has a zero delta, and no healthy ledger has a repair
        assert all(delta != 0 and cause != "repair" for *_, delta, cause in journal(ledger))


def _window_truth(
    entries: list[tuple[int, int, str]], current: int, since: int | None, until: int | None
) -> tuple[int, int, dict[str, int]]:
    """SEMANTICS.md section 6, computed straight from the journal rows."""
    lo, hi = since or 0, until
    changes: dict[str, int] = {}
    for ts, delta, cause in entries:
        if ts >= lo and (hi is None or ts < hi):
            changes[cause] = changes.get(cause, 0) + delta
    end = current - sum(d for ts, d, _ in entries if hi is not None and ts >= hi)
    start = current - sum(d for ts, d, _ in entries if ts >= lo)
    return start, end, changes


bounds = st.one_of(
    st.none(),
    st.integers(0, 7 * HOUR),
    st.integers(0, 14).map(lambda k: k * HOUR // 2),
)


@given(streams(), st.lists(st.tuples(bounds, bounds), min_size=1, max_size=6), st.booleans())
def test_explain_windows_add_up(
    stream: list[dict[str, Any]], windows: list[tuple[int | None, int | None]], fast: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if fast:
            ledger = _fast_ledger(folder)
            ledger.ingest(lines_of(stream, junk=JUNK))
        else:
            ledger, _ = _ingest(stream)
        _check_windows(ledger, windows)


def _check_windows(ledger: Ledger, windows: list[tuple[int | None, int | None]]) -> None:
    with ledger:
        live, _dead, totals = stored_counts(ledger)
        rows = journal(ledger)
        statuses = dict(ledger.store.conn.execute("SELECT name, status FROM users").fetchall())
        subjects = [("video", v, n) for v, n in live.items()] + [
            ("creator", c, n) for c, n in totals.items() if statuses[c] != "deleted"
        ]
        for since, until in windows:
            if since is not None and until is not None and since > until:
                since, until = until, since
            for kind, name, current in subjects:
                exp = (
                    ledger.explain(name, since, until)
                    if kind == "video"
                    else ledger.explain_creator(name, since, until)
                )
                assert exp.start + sum(exp.changes.values()) == exp.end
                entries = [(ts, d, c) for k, s, ts, _, d, c in rows if (k, s) == (kind, name)]
                expected = _window_truth(entries, current, since, until)
                assert (exp.start, exp.end, exp.changes) == expected, (kind, name, since, until)
                assert set(exp.changes) <= set(CAUSES)
                if since is None:
                    assert exp.start == 0
                if until is None:
                    assert exp.end == current


@given(streams())
def test_batch_size_changes_nothing(stream: list[dict[str, Any]]) -> None:
    """Batches of 1, 7 and 10000 lines, in memory (inline commits) and in a file (pipelined
    commits: batch N+1 is decided while batch N is committed), all end identical."""
    lines = lines_of(stream, junk=JUNK)
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        for size in (1, 7, 10_000):
            for url in (":memory:", str(Path(folder) / f"b{size}.db")):
                with Ledger.open(url, durable=False) as ledger:
                    report = ledger.ingest(lines, batch_size=size)
                    outcomes.append((_report(report), _snapshot(ledger)))
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])


@given(streams(all_ids=True))
def test_every_line_twice_changes_nothing(stream: list[dict[str, Any]]) -> None:
    lines = lines_of(stream, junk=JUNK)
    once, single = _ingest_lines(lines)
    twice, double = _ingest_lines([line for line in lines for _ in range(2)])
    with once, twice:
        assert _snapshot(twice) == _snapshot(once)
        assert double.accepted == single.accepted
        assert double.stale == single.stale
        assert double.duplicates == single.accepted + 2 * single.duplicates
        assert double.rejected == 2 * single.rejected
        _assert_healthy(twice)


@given(streams(all_ids=True))
def test_ingesting_the_same_stream_twice_changes_nothing(stream: list[dict[str, Any]]) -> None:
    ledger, first = _ingest(stream)
    with ledger:
        # lines that were accepted or duplicates the first time are duplicates now
        refused = {e.line for e in first.errors}
        lines = lines_of(stream, junk=JUNK)
        kept = [line for n, line in enumerate(lines, 1) if n not in refused]
        again = ledger.ingest(lines)
        assert again.duplicates >= first.accepted + first.duplicates

    # without the refused lines the stream replays to the same ledger, and a second
    # replay is all duplicates
    clean = Ledger.open(":memory:")
    reference, _ = _ingest(stream)
    with clean, reference:
        replay = clean.ingest(kept)
        assert replay.rejected == 0
        assert _snapshot(clean) == _snapshot(reference)
        before = _snapshot(clean)
        second = clean.ingest(kept)
        assert (second.accepted, second.rejected) == (0, 0)
        assert second.duplicates == len([line for line in kept if line.strip()])
        assert _snapshot(clean) == before


@given(streams(), st.data())
def test_reopening_and_a_second_writer_change_nothing(
    stream: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Split the stream into chunks fed alternately through two handles on one file,
    reopening one of them halfway: the row caches must never serve stale state."""
    lines = lines_of(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(lines)), max_size=4)))
    chunks = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
    reference, _ = _ingest(stream)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "l.db")
        handles = [Ledger.open(path, durable=False), Ledger.open(path, durable=False)]
        for n, chunk in enumerate(chunks):
            if n == len(chunks) // 2:
                handles[0].close()
                handles[0] = Ledger.open(path, durable=False)
            handles[n % 2].ingest(chunk, batch_size=5)
        for handle in handles:
            handle.close()
        with Ledger.open(path) as merged, reference:
            assert _snapshot(merged)["counts"] == _snapshot(reference)["counts"]
            assert _snapshot(merged)["journal"] == _snapshot(reference)["journal"]
            _assert_healthy(merged)
