"""One exception tree for likeledger; driver errors are translated at the store boundary.

LedgerError
├── ConfigError          bad database URL, unwritable path, missing driver
├── InputError           a file that cannot be read as event input
├── QueryError           a query about something that has no answer
│   ├── UnknownVideo     (code "unknown_video")
│   ├── VideoDeleted     (code "video_deleted")
│   ├── UnknownAccount   (code "unknown_account")
│   └── AccountDeleted   (code "account_deleted")
└── StorageError         wraps sqlite3 / psycopg errors (raised ``from`` the driver error)
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error likeledger raises on purpose."""

    code = "ledger_error"


class ConfigError(LedgerError):
    """The ledger cannot be opened as configured (URL, path, driver)."""

    code = "config_error"


class InputError(LedgerError):
    """An input source (file, stream) cannot be read at all."""

    code = "input_error"


class StorageError(LedgerError):
    """The database failed underneath us; the current batch was rolled back."""

    code = "storage_error"


class QueryError(LedgerError):
    """A query names a subject that has no answer; ``code`` is the contract's error code."""

    template = "{!r}"

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(self.template.format(subject))


class UnknownVideo(QueryError):
    code = "unknown_video"
    template = "video {!r} was never published"


class VideoDeleted(QueryError):
    code = "video_deleted"
    template = "video {!r} is deleted"


class UnknownAccount(QueryError):
    code = "unknown_account"
    template = "account {!r} never appeared in the ledger"


class AccountDeleted(QueryError):
    code = "account_deleted"
    template = "account {!r} is deleted"
