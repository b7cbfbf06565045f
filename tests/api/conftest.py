"""Fixtures: one live server per module over the example stories, and the same stories
ingested in-process as the reference the HTTP answers must equal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from likeledger.ledger import Ledger

from .live import EXAMPLES, Site, open_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server on a fresh database holding the example stories (module-wide)."""
    yield from open_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def reference() -> Iterator[Ledger]:
    """The same example stories ingested in-process: what the HTTP answers must equal."""
    with Ledger.open(":memory:") as ledger:
        for path in sorted(EXAMPLES.glob("*.jsonl")):
            with path.open("rb") as lines:
                ledger.ingest(lines)
        yield ledger
