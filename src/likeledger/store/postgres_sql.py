"""The PostgreSQL backend's write-side SQL: bulk batch writes, set-based cascades, migrations.

Writes are set-based: pure appends (ledger, journal, new users, videos and likes) are
binary ``COPY`` straight into their tables; updates and upserts ``COPY`` into
per-connection temp tables first and then run one ``UPDATE ... FROM`` or
``INSERT ... ON CONFLICT`` each, so a batch of 20,000 events is a dozen statements and a
hot video's counter is written once per batch, not once per like. psycopg errors leave as
:class:`~likeledger.errors.StorageError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import psycopg

from ..engine import AccountFlip
from ..errors import StorageError
from ..events import Event
from .postgres_copy import binary_copy, int_rows, sorted_rows
from .workingset import CAUSE_CODES, HOUR_MS, PendingRows

if TYPE_CHECKING:
    from psycopg import Connection, Cursor

    Conn = Connection[tuple[Any, ...]]

PAIRS = {"blocks": ("blocker_id", "blocked_id"), "follows": ("follower_id", "followee_id")}
# (table, id column) of each journal kind (likeledger.store.workingset.KIND_CODES).
JOURNALS = (("video_journal", "video_id"), ("creator_journal", "creator_id"))

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS stage_users (LIKE users) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_videos (LIKE videos) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_likes (LIKE likes) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_impressions (LIKE impressions) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_rollup (
    kind smallint, subject bigint, hour bigint, cause smallint, delta bigint, entries bigint
) ON COMMIT DELETE ROWS;
"""
_USER_TYPES = ["int8", "text", "text", "bool", "int8", "int4", "int8"]
_VIDEO_TYPES = ["int8", "text", "int8", "text", "text", "bool", "int8", "int8"]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A projector's progress, committed with the batch it covers (server mode)."""

    name: str
    after: int  # the position the batch starts after: the stored checkpoint must still be it
    position: int  # the last inbox position the batch covers
    refusals: list[tuple[int, str, str]] = field(default_factory=list)  # (pos, code, message)


def write_checkpoint(cur: Cursor[Any], checkpoint: Checkpoint, seq: int) -> None:
    """Advance ``checkpoint`` (compare-and-set: a checkpoint that moved means another
    projector applied these positions, and this batch must not commit) and file refusals."""
    cur.execute(
        "UPDATE checkpoints SET position = %s, seq = %s, at = now() "
        "WHERE name = %s AND position = %s",
        (checkpoint.position, seq, checkpoint.name, checkpoint.after),
    )
    if cur.rowcount != 1:
        raise StorageError(
            f"projection {checkpoint.name!r} is no longer at position {checkpoint.after}: "
            "another projector applied it; this batch was not committed"
        )
    _copy(cur, "inbox_refusals", "", ["int8", "text", "text"], checkpoint.refusals)


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Turn driver errors into StorageError, naming what we were doing."""
    try:
        yield
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL failed while {action}: {exc}".strip()) from exc


def migrations() -> list[tuple[int, str]]:
    """(version, script) of every file in pg_migrations/, oldest first."""
    folder = resources.files("likeledger.store").joinpath("pg_migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text())
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def write_rows(cur: Cursor[Any], rows: PendingRows) -> None:
    """Persist one batch's prepared rows (inside the caller's transaction).

    The first ``rows.fresh_edges`` edges have no stored row yet: they are appended with
    COPY; the other edges are upserted.
    """
    maxima = cur.execute(
        "SELECT (SELECT coalesce(max(user_id), 0) FROM users), "
        "(SELECT coalesce(max(video_id), 0) FROM videos)"
    ).fetchone()
    assert maxima is not None
    _write_named(cur, "user", rows.users, maxima[0], _USER_TYPES)
    _write_named(cur, "video", rows.videos, maxima[1], _VIDEO_TYPES)
    # Rows go in primary-key order: a B-tree filled in order touches each page once per
    # batch instead of at random (measured in isolation: a third less server time for
    # 400k likes rows into the likes table and its indexes).
    fresh = sorted(rows.edges[: rows.fresh_edges], key=_LIKES_KEY)
    known = sorted(rows.edges[rows.fresh_edges :], key=_LIKES_KEY)
    if fresh:
        _copy(cur, "likes", _EDGE_COLUMNS, _EDGE_TYPES, fresh)
    if known:
        _copy(cur, "stage_likes", _EDGE_COLUMNS, _EDGE_TYPES, known)
        cur.execute(_UPSERT_LIKES)
    _write_pairs(cur, "blocks", rows.blocks)
    _write_pairs(cur, "follows", rows.follows)
    _copy(cur, "ledger", _LEDGER_COLUMNS, _LEDGER_TYPES, rows.ledger)
    journal = int_rows(rows.journal, 6)  # (kind, subject, ts, seq, delta, cause)
    for kind, (table, _) in enumerate(JOURNALS):
        # Sorted here into primary-key order (subject, ts, seq), like the likes above: the
        # server then inserts along the index instead of at random (measured in isolation:
        # 800k rows into a 20k-subject journal took 1.8-2.0 s of server CPU sorted against
        # 2.5-3.9 s in arrival order). Staging them to sort on the server cost more server
        # time than that sort saved.
        half = sorted_rows(journal[journal[:, 0] == kind], key=(1, 2, 3))
        if len(half):
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(binary_copy(half[:, 1:], _JOURNAL_SIZES))
    if rows.rollup:
        _copy(cur, "stage_rollup", "", _ROLLUP_TYPES, rows.rollup)
        for kind, (table, column) in enumerate(JOURNALS):
            cur.execute(_UPSERT_ROLLUP.format(table=table, column=column), (kind,))
    for kind, (table, column) in enumerate(JOURNALS):
        subjects = [subject for k, subject in rows.backfill if k == kind]
        if subjects:
            cur.execute(_BACKFILL.format(table=table, column=column), (subjects,))
    if rows.impressions:
        _copy(cur, "stage_impressions", "", ["int8", "int8", "text", "int8"], rows.impressions)
        cur.execute(_UPSERT_IMPRESSIONS)


_EDGE_COLUMNS = "user_id, creator_id, video_id, liked, ts, flagged"
_LIKES_KEY = itemgetter(2, 0)  # (video_id, user_id) of an edge row: the primary key
_EDGE_TYPES = ["int8", "int8", "int8", "bool", "int8", "bool"]
_LEDGER_COLUMNS = "seq, key, type, ts, payload, stale"
_LEDGER_TYPES = ["int8", "text", "text", "int8", "bytea", "bool"]
_JOURNAL_SIZES = (8, 8, 8, 8, 2)  # bytes of (subject, ts, seq, delta, cause)
_ROLLUP_TYPES = ["int2", "int8", "int8", "int2", "int8", "int8"]
_UPSERT_LIKES = (
    "INSERT INTO likes SELECT * FROM stage_likes ON CONFLICT (video_id, user_id) DO UPDATE SET "
    "liked = EXCLUDED.liked, ts = EXCLUDED.ts, flagged = EXCLUDED.flagged"
)
_UPDATE = {
    "user": "UPDATE users t SET status = s.status, flagged = s.flagged, total = s.total, "
    "blocks = s.blocks, entries = s.entries FROM stage_users s WHERE t.user_id = s.user_id",
    "video": "UPDATE videos t SET visibility = s.visibility, moderation = s.moderation, "
    "deleted = s.deleted, likes = s.likes, entries = s.entries FROM stage_videos s "
    "WHERE t.video_id = s.video_id",
}
_UPSERT_ROLLUP = (
    "INSERT INTO {table}_hourly ({column}, hour, cause, delta, entries) "
    "SELECT subject, hour, cause, delta, entries FROM stage_rollup WHERE kind = %s "
    "ON CONFLICT ({column}, hour, cause) DO UPDATE SET "
    "delta = {table}_hourly.delta + EXCLUDED.delta, "
    "entries = {table}_hourly.entries + EXCLUDED.entries"
)
# A subject crossing the roll-up threshold gets its hours summed from its raw rows.
_BACKFILL = (
    "INSERT INTO {table}_hourly ({column}, hour, cause, delta, entries) "
    "SELECT {column}, ts / 3600000, cause, sum(delta), count(*) FROM {table} "
    "WHERE {column} = ANY(%s) GROUP BY 1, 2, 3 ON CONFLICT ({column}, hour, cause) "
    "DO UPDATE SET delta = EXCLUDED.delta, entries = EXCLUDED.entries"
)
_UPSERT_IMPRESSIONS = (
    "INSERT INTO impressions SELECT * FROM stage_impressions "
    "ON CONFLICT (video_id, hour, version) DO UPDATE SET count = impressions.count + EXCLUDED.count"
)


def _copy(
    cur: Cursor[Any], table: str, columns: str, types: list[str], rows: Iterable[Any]
) -> None:
    """Binary COPY of ``rows`` into ``table`` (the fastest bulk path psycopg offers)."""
    if isinstance(rows, list) and not rows:
        return
    listed = f" ({columns})" if columns else ""
    with cur.copy(f"COPY {table}{listed} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _write_named(
    cur: Cursor[Any], kind: str, rows: list[Any], stored_max: int, types: list[str]
) -> None:
    """Users or videos: new ids are appended (row + name directory), known ids updated."""
    fresh = [row for row in rows if row[0] > stored_max]
    known = [row for row in rows if row[0] <= stored_max]
    _copy(cur, f"{kind}s", "", types, fresh)
    names = sorted((row[1], row[0]) for row in fresh)  # in key order, as above
    _copy(cur, f"{kind}_names", "", ["text", "int8"], names)
    if known:
        _copy(cur, f"stage_{kind}s", "", types, known)
        cur.execute(_UPDATE[kind])


def _write_pairs(cur: Cursor[Any], table: str, pending: list[tuple[tuple[int, int], bool]]) -> None:
    a, b = PAIRS[table]
    for on in (True, False):
        pairs = [pair for pair, value in pending if value is on]
        if not pairs:
            continue
        args = ([p[0] for p in pairs], [p[1] for p in pairs])
        if on:
            sql = f"INSERT INTO {table} SELECT * FROM unnest(%s::bigint[], %s::bigint[]) "
            cur.execute(sql + "ON CONFLICT DO NOTHING", args)
        else:
            cur.execute(
                f"DELETE FROM {table} t USING unnest(%s::bigint[], %s::bigint[]) AS k(a, b) "
                f"WHERE t.{a} = k.a AND t.{b} = k.b",
                args,
            )


def run_account_flip(
    conn: Conn, event: Event, flip: AccountFlip, seq: int, rollup_from: int
) -> None:
    """The set-based form of an account-wide cascade (see PostgresStore.apply_account_flip);
    statement for statement the SQLite one, in this schema."""
    uid, delta, ts = flip.user.id, flip.delta, event.ts
    hour, cause = ts // HOUR_MS, CAUSE_CODES[flip.cause]
    run = conn.execute
    run(
        "INSERT INTO ledger (seq, key, type, ts, payload, stale) "
        "VALUES (%s, %s, %s, %s, %s, false)",
        (seq, event.key, event.type, ts, event.content[2]),
    )
    run(f"UPDATE users SET {flip.column} = %s WHERE user_id = %s", (flip.value, uid))
    run(
        "CREATE TEMP TABLE flip_videos (subject bigint, creator bigint, in_total boolean) "
        "ON COMMIT DROP"
    )
    run(
        "INSERT INTO flip_videos SELECT l.video_id, v.creator_id, "
        "v.moderation IS DISTINCT FROM 'removed' FROM likes l JOIN videos v "
        "ON v.video_id = l.video_id WHERE l.user_id = %s AND l.liked AND NOT l.flagged "
        "AND NOT v.deleted",
        (uid,),
    )
    run(
        "CREATE TEMP TABLE flip_creators ON COMMIT DROP AS SELECT creator AS subject, "
        f"count(*) * {int(delta)} AS delta FROM flip_videos WHERE in_total GROUP BY creator"
    )
    run(
        "UPDATE videos SET likes = likes + %s, entries = entries + 1 "
        "WHERE video_id IN (SELECT subject FROM flip_videos)",
        (delta,),
    )
    run(
        "UPDATE users u SET total = u.total + f.delta, entries = u.entries + 1 "
        "FROM flip_creators f WHERE u.user_id = f.subject"
    )
    for (table, column), flips, amount in zip(
        JOURNALS, ("flip_videos", "flip_creators"), (str(int(delta)), "f.delta"), strict=True
    ):
        owner = "videos" if column == "video_id" else "users"
        run(
            f"INSERT INTO {table} ({column}, ts, seq, delta, cause) "
            f"SELECT f.subject, %s, %s, {amount}, %s FROM {flips} f",
            (ts, seq, cause),
        )
        # Subjects already rolled up get this hour's sum; subjects crossing now are backfilled.
        run(
            f"INSERT INTO {table}_hourly ({column}, hour, cause, delta, entries) "
            f"SELECT f.subject, %s, %s, {amount}, 1 FROM {flips} f JOIN {owner} r "
            f"ON r.{column.replace('creator', 'user')} = f.subject WHERE r.entries > %s "
            f"ON CONFLICT ({column}, hour, cause) DO UPDATE SET "
            f"delta = {table}_hourly.delta + EXCLUDED.delta, entries = {table}_hourly.entries + 1",
            (hour, cause, rollup_from + 1),
        )
        crossing = run(
            f"SELECT f.subject FROM {flips} f JOIN {owner} r "
            f"ON r.{column.replace('creator', 'user')} = f.subject WHERE r.entries = %s",
            (rollup_from + 1,),
        ).fetchall()
        if crossing:
            run(_BACKFILL.format(table=table, column=column), ([row[0] for row in crossing],))
