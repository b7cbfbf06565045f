"""The backend-neutral read-outs of ``ledger_kit`` under the names the PostgreSQL-only tests
have used (new tests may import ``ledger_kit`` directly)."""

from __future__ import annotations

from ledger_kit import WINDOWS, answers, journal, journal_multiset, snapshot
from ledger_kit import stored_counts as counts

__all__ = ["WINDOWS", "answers", "counts", "journal", "journal_multiset", "snapshot"]
