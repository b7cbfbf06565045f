"""Properties over random event streams, on either backend: incremental == from scratch,
journals add up, and how a stream is delivered (batches, retries, replays, reopening)
changes nothing.

Each test runs its hypothesis search inside the test (``check``) so that the number of
examples can depend on the backend (``Backend.examples``: fewer on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger_kit import Backend, Window, journal, journal_sums, probe, snapshot, stored_counts
from likeledger.ledger import Ledger
from likeledger.results import IngestReport
from likeledger.rules import CAUSES

from .streams import HOUR, lines_of, streams

JUNK = [b"{", b"", b"\xff\xfe", b'{"type": "like", "ts": 1.5, "user": "u0", "video": "v0"}']
Stream = list[dict[str, Any]]


def _ingest(backend: Backend, stream: Stream, *, fast: bool = False) -> tuple[Ledger, IngestReport]:
    """A fresh ledger with ``stream`` (and junk lines) in it: in one batch on the plain path,
    in batches of 7 with every shortcut forced on (``fast``)."""
    ledger = backend.open("file" if fast else "memory", fast=fast)
    return ledger, ledger.ingest(lines_of(stream, junk=JUNK), batch_size=7 if fast else 10_000)


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


def test_incremental_counts_equal_the_from_scratch_recompute(backend: Backend) -> None:
    @backend.examples()
    @given(streams(), st.booleans())
    def check(stream: Stream, fast: bool) -> None:
        ledger, report = _ingest(backend, stream, fast=fast)
        _check_incremental(ledger, report, stream)

    check()


def _check_incremental(ledger: Ledger, report: IngestReport, stream: Stream) -> None:
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


def test_explain_windows_add_up(backend: Backend) -> None:
    @backend.examples()
    @given(streams(), st.lists(st.tuples(bounds, bounds), min_size=1, max_size=6), st.booleans())
    def check(stream: Stream, windows: list[Window], fast: bool) -> None:
        ledger, _ = _ingest(backend, stream, fast=fast)
        _check_windows(ledger, windows)

    check()


def _check_windows(ledger: Ledger, windows: list[Window]) -> None:
    with ledger:
        live, _dead, totals = stored_counts(ledger)
        rows = journal(ledger)
        statuses = {name: status for name, status, _flagged in probe(ledger).users()}
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


def test_batch_size_changes_nothing(backend: Backend) -> None:
    """Batches of 1, 7 and 10000 lines, inline (SQLite in memory) and pipelined (batch N+1
    is decided while batch N is committed), all end identical."""

    @backend.examples()
    @given(streams())
    def check(stream: Stream) -> None:
        lines = lines_of(stream, junk=JUNK)
        outcomes = []
        for size in (1, 7, 10_000):
            for commit in backend.commits:
                with backend.open(commit) as ledger:
                    report = ledger.ingest(lines, batch_size=size)
                    outcomes.append((_report(report), snapshot(ledger)))
        assert all(outcome == outcomes[0] for outcome in outcomes[1:])

    check()


def test_every_line_twice_changes_nothing(backend: Backend) -> None:
    @backend.examples()
    @given(streams(all_ids=True))
    def check(stream: Stream) -> None:
        lines = lines_of(stream, junk=JUNK)
        with backend.open("memory") as once, backend.open("memory") as twice:
            single = once.ingest(lines)
            double = twice.ingest([line for line in lines for _ in range(2)])
            assert snapshot(twice) == snapshot(once)
            assert double.accepted == single.accepted
            assert double.stale == single.stale
            assert double.duplicates == single.accepted + 2 * single.duplicates
            assert double.rejected == 2 * single.rejected
            _assert_healthy(twice)

    check()


def test_ingesting_the_same_stream_twice_changes_nothing(backend: Backend) -> None:
    @backend.examples()
    @given(streams(all_ids=True))
    def check(stream: Stream) -> None:
        ledger, first = _ingest(backend, stream)
        with ledger:
            # lines that were accepted or duplicates the first time are duplicates now
            refused = {e.line for e in first.errors}
            lines = lines_of(stream, junk=JUNK)
            kept = [line for n, line in enumerate(lines, 1) if n not in refused]
            again = ledger.ingest(lines)
            assert again.duplicates >= first.accepted + first.duplicates
        _check_replay(backend, stream, kept)

    check()


def _check_replay(backend: Backend, stream: Stream, kept: list[bytes]) -> None:
    """Without the refused lines the stream replays to the same ledger, and a second replay
    is all duplicates."""
    reference, _ = _ingest(backend, stream)
    with reference, backend.open("memory") as clean:
        replay = clean.ingest(kept)
        assert replay.rejected == 0
        assert snapshot(clean) == snapshot(reference)
        before = snapshot(clean)
        second = clean.ingest(kept)
        assert (second.accepted, second.rejected) == (0, 0)
        assert second.duplicates == len([line for line in kept if line.strip()])
        assert snapshot(clean) == before


def test_reopening_and_a_second_writer_change_nothing(backend: Backend) -> None:
    """Split the stream into chunks fed alternately through two handles on one ledger,
    reopening one of them halfway: the row caches must never serve stale state."""

    @backend.examples()
    @given(streams(), st.data())
    def check(stream: Stream, data: st.DataObject) -> None:
        lines = lines_of(stream)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(lines)), max_size=4)))
        chunks = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
        url = backend.fresh()
        handles = [Ledger.open(url, durable=False), Ledger.open(url, durable=False)]
        for n, chunk in enumerate(chunks):
            if n == len(chunks) // 2:
                handles[0].close()
                handles[0] = Ledger.open(url, durable=False)
            handles[n % 2].ingest(chunk, batch_size=5)
        for handle in handles:
            handle.close()
        with Ledger.open(url) as merged, backend.open("memory") as reference:
            reference.ingest(lines)
            assert snapshot(merged)["counts"] == snapshot(reference)["counts"]
            assert snapshot(merged)["journal"] == snapshot(reference)["journal"]
            _assert_healthy(merged)

    check()
