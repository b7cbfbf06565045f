"""The Ledger service: ingest, queries and reconcile over a store. The CLI and HTTP API are
thin shells over this class; the rules it runs are the pure modules (events, rules, engine).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any

import orjson

from . import engine
from .attribution import exposure_for
from .bulkmode import bulk_mode
from .engine import AccountFlip
from .errors import AccountDeleted, LedgerError, UnknownAccount, UnknownVideo, VideoDeleted
from .events import Event, InvalidEvent, parse_line, parse_object
from .model import DELETED
from .recompute import Truth, recompute
from .reconcile import reconcile
from .results import Explanation, IngestError, IngestReport, ReconcileReport, VideoCount, Visibility
from .rules import CAUSES, hidden_reason
from .store import DEFAULT_DB, open_store
from .store.base import BatchPipeline, Store
from .store.workingset import KIND_CODES, ROLLUP_FROM, WorkingSet
from .times import MAX_TS

DEFAULT_BATCH = 20_000
# An account-wide change (status, account flag) of an account with at least this many likes
# is applied set-based in the store instead of like by like (None: never).
FLIP_THRESHOLD = 1_000
Parsed = tuple[int, Event | str]  # (line number, event or invalid_event message)


class Ledger:
    """An open ledger. Use ``with Ledger.open(url) as ledger:``."""

    def __init__(self, store: Store, *, flip_threshold: int | None = FLIP_THRESHOLD) -> None:
        self.store = store
        self.flip_threshold = flip_threshold

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        durable: bool = True,
        flip_threshold: int | None = FLIP_THRESHOLD,
        rollup_from: int = ROLLUP_FROM,
        writer_process: bool = False,
    ) -> Ledger:
        """Open (creating if needed) the ledger at ``url``, $LIKELEDGER_DB or likeledger.db.

        ``flip_threshold`` and ``rollup_from`` tune when set-based cascades and hourly
        roll-ups kick in; results never depend on them (the property tests check that).
        ``writer_process``: on PostgreSQL, ingest commits its batches in a forked process,
        two in flight (faster for big ingests; forks, so not for multi-threaded hosts).
        """
        url = url or os.environ.get("LIKELEDGER_DB") or DEFAULT_DB
        store = open_store(
            url, durable=durable, rollup_from=rollup_from, writer_process=writer_process
        )
        return cls(store, flip_threshold=flip_threshold)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------
    def ingest(
        self,
        lines: Iterable[bytes | str],
        *,
        source: str | None = None,
        batch_size: int = DEFAULT_BATCH,
    ) -> IngestReport:
        """Append JSON Lines; blank lines are skipped but still numbered from 1."""
        return self._ingest(_parse_lines(lines), source, batch_size)

    def ingest_objects(
        self, objects: Iterable[Any], *, batch_size: int = DEFAULT_BATCH
    ) -> IngestReport:
        """Append already-decoded events (dicts); ``line`` in errors is the 1-based position."""
        return self._ingest(
            ((n, _parse(parse_object, o)) for n, o in enumerate(objects, 1)), None, batch_size
        )

    def _ingest(
        self, parsed: Iterable[Parsed], source: str | None, batch_size: int
    ) -> IngestReport:
        """Decide batches in order; each commits whole. On a storage failure the raised error
        carries ``committed``: the report of the batches that did commit."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        report = IngestReport()
        submitted = _Submitted(report)
        items = iter(parsed)
        try:
            with bulk_mode(), self.store.lock(), self.store.pipeline() as pipe:
                submitted.pipe = pipe
                while batch := list(islice(items, batch_size)):
                    while batch:
                        ws = pipe.begin()
                        decided, batch, flip = decide_batch(ws, batch, source, self._flips())
                        pipe.submit(ws)
                        submitted.add(decided)
                        if flip is not None:  # apply it set-based, after all that came before
                            pipe.drain()
                            submitted.merge_confirmed()
                            report.last_seq = self.store.apply_account_flip(_event(batch[0]), flip)
                            report.accepted += 1
                            batch = batch[1:]
        except LedgerError as exc:
            submitted.merge_confirmed()
            exc.committed = report  # type: ignore[attr-defined]
            raise
        submitted.merge_confirmed()  # all of them: the pipeline drained on leaving its block
        return report

    def _flips(self) -> tuple[Store, int] | None:
        """(store, threshold) unless set-based account-wide cascades are switched off."""
        return None if self.flip_threshold is None else (self.store, self.flip_threshold)

    # -- queries --------------------------------------------------------------------
    def head(self) -> int:
        """The sequence number of the last accepted event (0 for an empty ledger)."""
        return self.store.head()

    def count(self, video: str) -> VideoCount:
        """likes(video) now. Raises UnknownVideo or VideoDeleted."""
        row = self.store.count_row(video)
        if row is None:
            raise UnknownVideo(video)
        if row[1]:
            raise VideoDeleted(video)
        return VideoCount(video, row[0], row[2], row[3])

    def explain(
        self, video: str, since: int | None = None, until: int | None = None
    ) -> Explanation:
        """Explain likes(video) over [since, until) by cause (SEMANTICS.md section 6)."""
        with self.store.read() as view:
            found = view.video(video)
            if found is None:
                raise UnknownVideo(video)
            if found.deleted:
                raise VideoDeleted(video)
            creator = view.user_by_id(found.creator).name
            rolled = found.entries > self.store.rollup_from
            return self._explain(
                "video", found.id, video, found.likes, since, until, creator, rolled
            )

    def explain_creator(
        self, creator: str, since: int | None = None, until: int | None = None
    ) -> Explanation:
        """Explain total(creator) over [since, until). Raises UnknownAccount or AccountDeleted."""
        with self.store.read() as view:
            user = view.user(creator)
            if user is None:
                raise UnknownAccount(creator)
            if user.status == DELETED:
                raise AccountDeleted(creator)
            rolled = user.entries > self.store.rollup_from
            return self._explain(
                "creator", user.id, creator, user.total, since, until, None, rolled
            )

    def _explain(
        self,
        kind: str,
        subject: int,
        name: str,
        current: int,
        since: int | None,
        until: int | None,
        creator: str | None,
        rolled: bool,
    ) -> Explanation:
        code = KIND_CODES[kind]
        end_ts = MAX_TS + 1 if until is None else until
        window = self.store.journal_window(code, subject, since or 0, end_ts, rolled=rolled)
        after = 0
        if until is not None:
            later = self.store.journal_window(code, subject, until, MAX_TS + 1, rolled=rolled)
            after = sum(delta for delta, _ in later.values())
        changes = {CAUSES[cause]: delta for cause, (delta, _) in sorted(window.items())}
        end = current - after
        start = end - sum(changes.values())
        split = exposure_for(self.store, code, subject, since, until, rolled=rolled)
        return Explanation(
            kind, name, start, end, changes, since, until, self.head(), creator, split
        )

    def visible(self, video: str, viewer: str) -> Visibility:
        """May ``viewer`` see ``video``, and if not, the first reason of section 5."""
        with self.store.read() as view:
            found = view.video(video)
            if found is None:
                raise UnknownVideo(video)
            return Visibility(video, viewer, hidden_reason(view, found, viewer))

    def events(self) -> Iterator[tuple[int, str, int, dict[str, Any], bool]]:
        """Every accepted event in ledger order: (seq, type, ts, own fields, stale)."""
        for seq, etype, ts, payload, stale in self.store.ledger_rows():
            yield seq, etype, ts, orjson.loads(payload), stale

    def reconcile(
        self, *, repair: bool = False, export: str | os.PathLike[str] | None = None
    ) -> ReconcileReport:
        """Recompute every count from the ledger; report drift; with ``repair`` fix it.
        ``export``: a folder for a columnar copy of the ledger that the recompute reads and
        each run brings up to date (only the new events are read from the database)."""
        return reconcile(self.store, repair=repair, export=export)

    def recompute(self) -> Truth:
        """Counts recomputed from scratch from the ledger (see likeledger.recompute)."""
        return recompute((etype, ts, data) for _, etype, ts, data, _ in self.events())


def decide_batch(
    ws: WorkingSet, batch: list[Parsed], source: str | None, flips: tuple[Store, int] | None
) -> tuple[IngestReport, list[Parsed], AccountFlip | None]:
    """Run a batch through the engine on ``ws``; nothing is written until it is submitted.

    Stops early at an account-wide change big enough for the store's set-based path and
    returns it with the items from there on (the flip first, still to be applied).
    """
    report = IngestReport()
    events = [item for _, item in batch if isinstance(item, Event)]
    ws.prefetch_keys(event.key for event in events if event.key)
    ws.prefetch(events)
    for index, (line, item) in enumerate(batch):
        if isinstance(item, str):
            report.errors.append(IngestError(line, "invalid_event", item, source))
            continue
        if flips is not None and item.type in _ACCOUNT_WIDE:
            flip = engine.account_flip(ws, item)
            store, threshold = flips
            if flip is not None and store.liked_count(flip.user.id, threshold) >= threshold:
                report.rejected = len(report.errors)
                return report, batch[index:], flip
        outcome = engine.apply(ws, item)
        if outcome.status == "refused":
            code, message = outcome.code or "refused", outcome.message or ""
            report.errors.append(IngestError(line, code, message, source))
        elif outcome.status == "duplicate":
            report.duplicates += 1
        else:
            report.last_seq = ws.record(item, outcome)
            report.accepted += 1
            report.stale += outcome.status == "stale"
    report.rejected = len(report.errors)
    return report, [], None


class _Submitted:
    """The reports of submitted batches, merged into the run's report once the pipeline has
    confirmed their commit (so an error's ``committed`` holds exactly the durable ones)."""

    def __init__(self, report: IngestReport) -> None:
        self.report = report
        self.waiting: deque[IngestReport] = deque()
        self.merged = 0
        self.pipe: BatchPipeline | None = None

    def add(self, decided: IngestReport) -> None:
        self.waiting.append(decided)
        self.merge_confirmed()

    def merge_confirmed(self) -> None:
        confirmed = self.pipe.confirmed if self.pipe is not None else 0
        while self.merged < confirmed:
            self.report.merge(self.waiting.popleft())
            self.merged += 1


def _event(item: Parsed) -> Event:
    """The event decide_batch stopped at (it only stops at valid events)."""
    if isinstance(item[1], str):
        raise TypeError(f"line {item[0]} is not an event")
    return item[1]


_ACCOUNT_WIDE = frozenset(("account.status", "integrity.flag", "integrity.clear"))


def _parse(parse: Any, raw: Any) -> Event | str:
    try:
        event: Event = parse(raw)
    except InvalidEvent as exc:
        return str(exc)
    return event


def _parse_lines(lines: Iterable[bytes | str]) -> Iterator[Parsed]:
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            try:  # _parse inlined: this runs once per input line
                yield number, parse_line(raw)
            except InvalidEvent as exc:
                yield number, str(exc)
