"""schemathesis against /api/v1/openapi.json: no 5xx, and every response matches the document.

Each operation of the document gets its coverage cases (schemathesis's coverage phase: each
boundary of each schema, missing and null values, methods the path does not have) and a bounded
number of generated requests with a fixed seed (hypothesis `derandomize`), valid ones and invalid
ones, sent with an organizer's token; every check schemathesis has judges each answer: no server
error, a documented status code, content type and headers, a body matching its schema, valid data
accepted and invalid data refused, 405 with `Allow` for other methods, authentication enforced.
The operations run in one test: schemathesis's pytest plugin does not work with pytest 9 yet.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from kiosk.models import Role, Status

EXAMPLES_PER_OPERATION = 50


def all_checks() -> list:
    """Every check schemathesis has (not only those it runs by default)."""
    load_all_checks()
    return list(CHECKS.get_all())


@pytest.fixture
def api_schema(app, make_event, make_delegation, make_participant, make_token):
    """The app's own OpenAPI document, with a little data for the generated requests to find."""
    event = make_event(slug="im2024")
    delegation = make_delegation(event=event)
    # An organisation with names of its own and from organizations.json, so answers carry DelegationNames.
    make_delegation(event=event, name="EU", category="igo", country=None, names={"zh": {"name": "欧盟"}})
    for status in Status:
        make_participant(delegation=delegation, status=status, email=f"{status.value}@example.org")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema, {"Authorization": f"Bearer {make_token(Role.ORGANIZER)}"}


def test_every_operation_conforms_to_the_document(api_schema):
    schema, headers = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    checks = all_checks()
    assert len(checks) >= 14
    failures, calls = [], []
    for operation in operations:
        config = schema.config.generation_for(operation=operation)
        cases = schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=config
        )
        for case in cases:
            try:
                case.call_and_validate(headers=headers, checks=checks)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collected, so one report names every failing operation
                failures.append(f"{case.method} {operation.path} (coverage): {exc}")
            calls.append(case.method)
    coverage_calls = len(calls)
    for operation, mode in itertools.product(operations, GenerationMode):
        raw = operation.definition.raw
        if mode == GenerationMode.NEGATIVE and not raw.get("parameters") and "requestBody" not in raw:
            continue  # no input (GET /healthz): there is no invalid request to send

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=checks)
            calls.append(case.method)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collected, so one report names every failing operation
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value} data): {exc}")
    assert len(calls) - coverage_calls >= len(operations) * 2 * 10  # every operation was really exercised
    generated = len(calls) - coverage_calls
    print(f"{len(operations)} operations, {coverage_calls} coverage calls, {generated} generated")
    assert not failures, "\n\n".join(failures)
