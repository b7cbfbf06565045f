"""likeledger: an engagement ledger that keeps exact like counts and explains every change."""
