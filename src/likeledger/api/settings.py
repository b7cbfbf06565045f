"""HTTP server settings: every limit the API enforces, typed, read from ``LIKELEDGER_*``.

| variable | default | meaning |
|---|---|---|
| ``LIKELEDGER_MAX_BODY_BYTES`` | 8388608 | largest request body (bytes); bigger: 413 |
| ``LIKELEDGER_MAX_EVENTS`` | 10000 | most events in one ``POST /v1/events``; more: 413 |
| ``LIKELEDGER_RATE_LIMIT`` | 100 | requests per second per token (0: no limit); over: 429 |
| ``LIKELEDGER_RATE_BURST`` | 200 | requests a token may make at once before the rate applies |
| ``LIKELEDGER_MIN_SEQ_WAIT`` | 2.0 | seconds a ``min_seq`` read waits for the ledger; then 503 |
| ``LIKELEDGER_RETRY_AFTER`` | 1 | seconds advertised in ``Retry-After`` on 503 |
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import ConfigError

PREFIX = "LIKELEDGER_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The API's limits; ``Settings.from_env()`` reads them from the environment."""

    max_body_bytes: int = 8 * 1024 * 1024
    max_events: int = 10_000
    rate_limit: float = 100.0
    rate_burst: int = 200
    min_seq_wait: float = 2.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value < 0 or (spec.name in ("max_body_bytes", "max_events") and value == 0):
                raise ConfigError(f"{PREFIX}{spec.name.upper()} must be positive, got {value}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``LIKELEDGER_<FIELD>`` that is set; fail naming the key when it is bad.

        Raises:
            ConfigError: a variable is not a number of the right kind, or is negative.
        """
        env = os.environ if environ is None else environ
        given: dict[str, Any] = {}
        for spec in fields(cls):
            key = PREFIX + spec.name.upper()
            if key in env:
                convert: Callable[[str], Any] = float if spec.type == "float" else int
                try:
                    given[spec.name] = convert(env[key])
                except ValueError:
                    raise ConfigError(f"{key}={env[key]!r} is not a valid {spec.type}") from None
        return cls(**given)
