"""A seeded, valid event stream for the reconciliation benchmark, generated set-based in
DuckDB (``bench/reconcile.py``): ``generate(con, n)`` makes the table ``gen``."""

from __future__ import annotations

import duckdb

T0 = 1_793_491_200_000  # 2026-11-01T00:00:00Z
DAY = 86_400_000


def generate(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """Table ``gen`` (seq, type, ts, payload, stale): a valid stream of ``n`` events.

    Payloads are canonical JSON (sorted keys), as the ledger stores them. Likes land on
    Zipf-like popular videos; four events share each ts, so ties occur; 4% are delayed
    retries of an earlier pair's event (stale when that pair moved on since). The last 0.5%
    are the account-wide and video events, in an order that keeps every one valid (flags,
    blocks by active accounts, moderation, status changes, then deletions of distinct
    videos and accounts).
    """
    videos = max(100, n // 500)
    creators = max(20, videos // 5)
    users = max(1000, n // 50)
    tail = max(100, n // 200)
    body = n - videos - tail
    step = max(1, 30 * DAY // body)
    con.execute(_MACROS)
    con.execute(
        _BODY.format(n=body, videos=videos, creators=creators, users=users, step=step, t1=T0 + DAY)
    )
    con.execute(_TAIL.format(videos=videos, creators=creators, users=users, tail=tail))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE raw AS
        SELECT i + 1 AS seq, 'video.published' AS type, {T0} + i AS ts,
            '{{"creator":"c' || (i % {creators}) || '",' || j1('video', 'v' || i)[2:-2]
            || ',"visibility":"public"}}' AS payload
        FROM range({videos}) t(i)
        UNION ALL SELECT {videos} + i + 1, type, ts, payload FROM body
        UNION ALL SELECT {videos + body} + k + 1, type, {T0 + 32 * DAY} + k * 1000, payload
        FROM tail"""
    )
    con.execute("DROP TABLE body; DROP TABLE tail")
    con.execute(_STALE)


# Canonical JSON objects of one or two string fields, keys given in sorted order.
_MACROS = """
CREATE OR REPLACE TEMP MACRO j1(k, v) AS '{"' || k || '":"' || v || '"}';
CREATE OR REPLACE TEMP MACRO j2(k1, v1, k2, v2) AS
    '{"' || k1 || '":"' || v1 || '","' || k2 || '":"' || v2 || '"}';
CREATE OR REPLACE TEMP MACRO pick(x, n) AS (hash(x, n) % 1000003)::BIGINT / 1000003.0;
"""

# Likes (78%), unlikes of a recent pair (10%), delayed retries of a recent pair's like with
# a ts just before that event's (4%), follows (4%), impressions (4%); four events per ts.
_BODY = """
CREATE OR REPLACE TEMP TABLE body AS
WITH b AS (
    SELECT i, (hash(i, 'k') % 100)::BIGINT AS r,
        greatest(i - 1 - (hash(i, 'j') % 1000)::BIGINT, 0) AS j
    FROM range({n}) t(i)
), p AS (
    SELECT i, r, CASE WHEN r < 78 THEN i ELSE j END AS p,
        {t1} + (i // 4) * {step} * 4 AS ts_i, {t1} + (j // 4) * {step} * 4 AS ts_j
    FROM b
), uv AS (
    SELECT i, r, ts_i, ts_j, 'u' || (hash(p, 'u') % {users})::BIGINT AS u,
        'v' || floor({videos} * pow(pick(p, 'v'), 3))::BIGINT AS v
    FROM p
)
SELECT i,
    CASE WHEN r < 78 THEN 'like' WHEN r < 88 THEN 'unlike' WHEN r < 92 THEN 'like'
         WHEN r < 96 THEN 'follow' ELSE 'impressions' END AS type,
    CASE WHEN r BETWEEN 88 AND 91 THEN ts_j - 1 ELSE ts_i END AS ts,
    CASE WHEN r < 92 THEN j2('user', u, 'video', v)
         WHEN r < 96 THEN j2('followee', 'c' || (hash(i, 'c') % {creators})::BIGINT, 'follower', u)
         ELSE '{{"count":' || (r - 90) || ',' || j1('video', v)[2:] END AS payload
FROM uv
"""

# Flags and clears (accounts 40%, likes 20%), blocks and unblocks by active accounts (20%),
# moderation (5%), status changes (10%), then deletions of distinct videos and accounts.
_TAIL = """
CREATE OR REPLACE TEMP TABLE tail AS
WITH t AS (
    SELECT k, k * 100 // {tail} AS seg, 'u' || (hash(k, 'u') % {users})::BIGINT AS u,
        'c' || (hash(k, 'c') % {creators})::BIGINT AS c,
        'v' || floor({videos} * pow(pick(k, 'v'), 3))::BIGINT AS v, (hash(k, 'x') % 4)::BIGINT AS x
    FROM range({tail}) t(k)
), t1 AS (SELECT *, k - min(k) OVER (PARTITION BY seg >= 95, seg >= 98) AS k2 FROM t)
SELECT k,
    CASE WHEN seg < 30 OR seg BETWEEN 40 AND 54 THEN 'integrity.flag'
         WHEN seg < 60 THEN 'integrity.clear' WHEN seg < 75 THEN 'block'
         WHEN seg < 80 THEN 'unblock' WHEN seg < 85 THEN 'moderation'
         WHEN seg < 95 THEN 'account.status' WHEN seg < 98 THEN 'video.deleted'
         ELSE 'account.status' END AS type,
    CASE WHEN seg < 40 THEN j2('detector', 'bulk', 'user', u)
         WHEN seg < 60 THEN j2('user', u, 'video', v)
         WHEN seg < 80 AND x < 3 THEN j2('blocked', c, 'blocker', u)
         WHEN seg < 80 THEN j2('blocked', u, 'blocker', c)
         WHEN seg < 85 THEN j2('action', ['remove', 'restrict', 'restore', 'remove'][x + 1],
                               'video', v)
         WHEN seg < 95 THEN j2('status', ['deactivated', 'suspended', 'banned', 'active'][x + 1],
                               'user', u)
         WHEN seg < 98 THEN j1('video', 'v' || k2)
         WHEN x = 0 THEN j2('status', 'deleted', 'user', 'c' || k2)
         ELSE j2('status', 'deleted', 'user', 'u' || k2) END AS payload
FROM t1
"""


# The engine's stale flag: a like/unlike older than the pair's last applied one.
_STALE = """
CREATE OR REPLACE TEMP TABLE gen AS
SELECT seq, type, ts, payload::BLOB AS payload,
    (type IN ('like', 'unlike') AND coalesce(ts < max(ts) OVER (
        PARTITION BY payload ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), false))::INT AS stale
FROM raw;
DROP TABLE raw
"""
