"""Schemathesis against the running stack's `/openapi.json`, with the demo agency's API
key: generated requests, valid and invalid, never meet a server error, and every answer
matches the schema the document declares for it (B1).

`positive_data_acceptance` is left out: a schema-valid body can still be refused with a
422 problem for a domain reason (a random file is not a PDF, a box off its page); so is
`negative_data_rejection`: a query string carries no types, any bytes (even `null`) are a
file, and the API key sent with every case puts back the header a negative case drops."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from tests.support.agency import bearer

pytestmark = pytest.mark.e2e
EXAMPLES = 5
"""Per operation and mode: about a minute for the whole API."""


def fuzz(operation, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    excluded = [st_checks.positive_data_acceptance, st_checks.negative_data_rejection]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(
            base_url=base_url, headers=headers, timeout=30, excluded_checks=excluded
        )

    run()


def test_no_server_error_and_every_answer_matches_its_schema(stack):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, stack.url, bearer(stack.api_key))
