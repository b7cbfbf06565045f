-- v2: find ranking-version changes without scanning the ledger (exposure attribution).
CREATE INDEX ledger_ranking_versions ON ledger (ts) WHERE type = 'ranking.version';
