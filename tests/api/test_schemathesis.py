"""Schemathesis fuzzing of every operation in /openapi.json on a live server: no 500s, and
answers that match the documented status codes, media types and schemas. Bounded: a few
hundred cases in all.

Two built-in checks are replaced: ``not_a_server_error`` (a ``min_seq`` beyond the ledger is
503 ``not_ready`` and the server-mode-only ``/v1/events/outcomes`` is 501 ``not_supported``
on this SQLite ledger, by design; any other 5xx still fails) and ``positive_data_acceptance``
(schema-valid is not always valid: a 31 February, ``since`` after ``until`` or an event that
breaks a rule of SEMANTICS.md are 422 by design, and JSON Schema cannot say so).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from likeledger.api.settings import Settings

from .live import LiveServer, post_examples

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    settings = Settings(rate_limit=0, min_seq_wait=0.02)
    with LiveServer(tmp_path_factory.mktemp("fuzz") / "fuzz.db", settings) as server:
        admin = server.token("admin")
        with server.client(admin) as client:
            post_examples(client)
        yield server, admin


@pytest.fixture(scope="module")
def api_schema(fuzzed: tuple[LiveServer, str]) -> OpenApiSchema:
    server, _ = fuzzed
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    schema.config.update(base_url=server.url)
    # Unknown query parameters are ignored, as by most HTTP APIs: don't count them as errors.
    schema.config.generation.update(allow_extra_parameters=False)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: Case, fuzzed: tuple[LiveServer, str]) -> None:
    server, admin = fuzzed
    response = case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {admin}"},
        excluded_checks=[not_a_server_error, positive_data_acceptance],
    )
    if response.status_code == 501:
        assert case.path == "/v1/events/outcomes", response.text
        assert response.json()["error"] == "not_supported"
    elif response.status_code >= 500:
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "not_ready"
        assert "min_seq" in (case.query or {})
