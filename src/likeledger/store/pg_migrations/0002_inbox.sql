-- Server mode (docs/postgres.md): append now, project asynchronously.
-- Coordinator-local like the ledger: the inbox is one ordered stream.

-- Raw event lines as received, in arrival order. Appenders serialize on inbox_meta, so a
-- position is assigned and committed in the same order: a projector that has passed
-- position p will never see a line appear below p.
CREATE TABLE inbox (
    pos         bigint PRIMARY KEY,
    line        bytea NOT NULL,                          -- the JSON line, unparsed
    source      text,                                    -- file or client name, for reports
    lineno      integer NOT NULL,                        -- line number within its source
    received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE inbox_meta (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),    -- exactly one row
    head bigint NOT NULL                                 -- last appended position
);
INSERT INTO inbox_meta (id, head) VALUES (true, 0);

-- Projection checkpoints: written in the same transaction as the batch they cover.
CREATE TABLE checkpoints (
    name     text COLLATE "C" PRIMARY KEY,
    position bigint NOT NULL,                            -- last inbox position applied
    seq      bigint NOT NULL,                            -- ledger head after it
    at       timestamptz NOT NULL
);
INSERT INTO checkpoints (name, position, seq, at) VALUES ('counts', 0, 0, now());

-- Lines the projector refused (SEMANTICS.md section 3), by inbox position.
CREATE TABLE inbox_refusals (
    pos     bigint PRIMARY KEY,
    code    text COLLATE "C" NOT NULL,
    message text NOT NULL
);
