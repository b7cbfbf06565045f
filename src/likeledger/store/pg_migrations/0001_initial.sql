-- likeledger PostgreSQL schema v1: the same logical schema as SQLite's, laid out for sharding.
--
-- Distribution keys (what each table would be distributed by under Citus; see docs/postgres.md):
--   ledger, ledger_meta           coordinator-local: one ordered log, one writer at a time
--   video_names, user_names       by name (the directories that keep names unique)
--   videos, likes, video_journal,
--   video_journal_hourly,
--   impressions                   by video_id, all co-located: a video's rows live together
--   users, blocks, follows,
--   creator_journal,
--   creator_journal_hourly        by the account id (user_id / blocker_id / follower_id / creator_id)
-- Every unique constraint includes its table's distribution key, as Citus requires; that is
-- why name uniqueness lives in the directory tables rather than on videos and users.
-- Internal bigint ids keep the hot indexes small; names are the wire identifiers.
-- Identifiers (names, idempotency keys, types) are COLLATE "C": they are compared byte for
-- byte, never sorted for people, and C comparisons keep their unique indexes cheap whatever
-- the database's default locale.

CREATE TABLE ledger_meta (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),  -- exactly one row
    head       bigint NOT NULL,              -- seq of the last committed event
    generation bigint NOT NULL               -- bumped by every write transaction (cache validity)
);
INSERT INTO ledger_meta (id, head, generation) VALUES (true, 0, 0);

CREATE TABLE ledger (
    seq     bigint PRIMARY KEY,              -- ledger sequence number, arrival order
    key     text COLLATE "C" UNIQUE,         -- idempotency key; NULL when the ledger assigned one
    type    text COLLATE "C" NOT NULL,
    ts      bigint NOT NULL,                 -- event time, ms since the epoch
    payload bytea NOT NULL,                  -- canonical JSON of the type's own fields
    stale   boolean NOT NULL DEFAULT false   -- accepted but older than the pair's last like/unlike
);

CREATE TABLE user_names (
    name    text COLLATE "C" PRIMARY KEY,
    user_id bigint NOT NULL
);
CREATE TABLE users (
    user_id bigint PRIMARY KEY,
    name    text COLLATE "C" NOT NULL,       -- unique through user_names
    status  text NOT NULL,
    flagged boolean NOT NULL,
    total   bigint NOT NULL,                 -- profile total, maintained incrementally
    blocks  integer NOT NULL DEFAULT 0,      -- block rows naming this account (0: skip lookups)
    entries bigint NOT NULL DEFAULT 0        -- journal entries of its total (roll-up threshold)
) WITH (fillfactor = 80);                    -- room for HOT updates of total

CREATE TABLE video_names (
    name     text COLLATE "C" PRIMARY KEY,
    video_id bigint NOT NULL
);
CREATE TABLE videos (
    video_id   bigint PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,    -- unique through video_names
    creator_id bigint NOT NULL,
    visibility text NOT NULL,
    moderation text,
    deleted    boolean NOT NULL,
    likes      bigint NOT NULL,              -- likes(v), maintained incrementally
    entries    bigint NOT NULL DEFAULT 0     -- journal entries of likes(v) (roll-up threshold)
) WITH (fillfactor = 80);                    -- room for HOT updates of likes
CREATE INDEX videos_by_creator ON videos (creator_id);

-- One row per (video, user) pair ever liked, unliked or flagged: last-writer-wins state.
CREATE TABLE likes (
    video_id   bigint NOT NULL,
    user_id    bigint NOT NULL,
    creator_id bigint NOT NULL,
    liked      boolean NOT NULL,
    ts         bigint,
    flagged    boolean NOT NULL,
    PRIMARY KEY (video_id, user_id)
);
-- Cascades (status change, flag, block) ask for one account's liked edges, maybe on one creator.
CREATE INDEX likes_by_user ON likes (user_id, creator_id) WHERE liked;

CREATE TABLE blocks (
    blocker_id bigint NOT NULL,
    blocked_id bigint NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE TABLE follows (
    follower_id bigint NOT NULL,
    followee_id bigint NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);

-- The journal, split by subject so each half co-locates with its owner. cause is an index
-- into likeledger.rules.CAUSES.
CREATE TABLE video_journal (
    video_id bigint NOT NULL,
    ts       bigint NOT NULL,
    seq      bigint NOT NULL,
    delta    bigint NOT NULL,
    cause    smallint NOT NULL,
    PRIMARY KEY (video_id, ts, seq)
);
CREATE TABLE creator_journal (
    creator_id bigint NOT NULL,
    ts         bigint NOT NULL,
    seq        bigint NOT NULL,
    delta      bigint NOT NULL,
    cause      smallint NOT NULL,
    PRIMARY KEY (creator_id, ts, seq)
);
-- Per-hour sums of the journal, so explain over any window reads a few rows. Kept only for
-- subjects with more than the store's rollup_from entries (backfilled when they cross it).
CREATE TABLE video_journal_hourly (
    video_id bigint NOT NULL,
    hour     bigint NOT NULL,
    cause    smallint NOT NULL,
    delta    bigint NOT NULL,
    entries  bigint NOT NULL,
    PRIMARY KEY (video_id, hour, cause)
);
CREATE TABLE creator_journal_hourly (
    creator_id bigint NOT NULL,
    hour       bigint NOT NULL,
    cause      smallint NOT NULL,
    delta      bigint NOT NULL,
    entries    bigint NOT NULL,
    PRIMARY KEY (creator_id, hour, cause)
);

CREATE TABLE impressions (
    video_id bigint NOT NULL,
    hour     bigint NOT NULL,
    version  text COLLATE "C" NOT NULL,      -- '' when the event named no ranker version
    count    bigint NOT NULL,
    PRIMARY KEY (video_id, hour, version)
);
