-- likeledger schema v1. Ledger (the truth), state, counts, journal and roll-ups.
-- Internal integer ids keep the hot indexes small; names are the wire identifiers.
CREATE TABLE ledger (
    seq     INTEGER PRIMARY KEY,          -- ledger sequence number, arrival order
    key     TEXT UNIQUE,                  -- idempotency key; NULL when the ledger assigned one
    type    TEXT NOT NULL,
    ts      INTEGER NOT NULL,             -- event time, ms since the epoch
    payload BLOB NOT NULL,                -- canonical JSON of the type's own fields
    stale   INTEGER NOT NULL DEFAULT 0    -- accepted but older than the pair's last like/unlike
);
CREATE TABLE users (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    status  TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    total   INTEGER NOT NULL,             -- profile total, maintained incrementally
    blocks  INTEGER NOT NULL DEFAULT 0,   -- block rows naming this account (0: skip lookups)
    entries INTEGER NOT NULL DEFAULT 0    -- journal entries of its total (roll-up threshold)
);
CREATE TABLE videos (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    creator    INTEGER NOT NULL,
    visibility TEXT NOT NULL,
    moderation TEXT,
    deleted    INTEGER NOT NULL,
    likes      INTEGER NOT NULL,          -- likes(v), maintained incrementally
    entries    INTEGER NOT NULL DEFAULT 0 -- journal entries of likes(v) (roll-up threshold)
);
CREATE INDEX videos_by_creator ON videos (creator);
-- (user, creator, video): one index serves "this edge", "all likes of u" and "u's likes on c".
CREATE TABLE likes (
    user    INTEGER NOT NULL,
    creator INTEGER NOT NULL,
    video   INTEGER NOT NULL,
    liked   INTEGER NOT NULL,
    ts      INTEGER,
    flagged INTEGER NOT NULL,
    PRIMARY KEY (user, creator, video)
) WITHOUT ROWID;
CREATE TABLE blocks (
    blocker INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked)
) WITHOUT ROWID;
CREATE TABLE follows (
    follower INTEGER NOT NULL,
    followee INTEGER NOT NULL,
    PRIMARY KEY (follower, followee)
) WITHOUT ROWID;
-- kind 0 = video, 1 = creator total; cause is an index into likeledger.rules.CAUSES.
CREATE TABLE journal (
    kind    INTEGER NOT NULL,
    subject INTEGER NOT NULL,
    ts      INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    delta   INTEGER NOT NULL,
    cause   INTEGER NOT NULL,
    PRIMARY KEY (kind, subject, ts, seq)
) WITHOUT ROWID;
-- Per-hour sums of the journal, so explain over any window reads a few rows. Kept only for
-- subjects with more than the store's rollup_from entries (backfilled when they cross it):
-- the long tail is cheaper to scan raw than to roll up.
CREATE TABLE journal_hourly (
    kind    INTEGER NOT NULL,
    subject INTEGER NOT NULL,
    hour    INTEGER NOT NULL,
    cause   INTEGER NOT NULL,
    delta   INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (kind, subject, hour, cause)
) WITHOUT ROWID;
CREATE TABLE impressions (
    video   INTEGER NOT NULL,
    hour    INTEGER NOT NULL,
    version TEXT NOT NULL,                -- '' when the event named no ranker version
    count   INTEGER NOT NULL,
    PRIMARY KEY (video, hour, version)
) WITHOUT ROWID;
