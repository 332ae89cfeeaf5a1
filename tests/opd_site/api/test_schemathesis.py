"""Property-based tests of every operation against the live OpenAPI schema (schemathesis 4).

The schema is loaded from the running Django WSGI application, and for each operation
schemathesis generates requests, valid ones and invalid ones, sent as a front-desk user and as
a patient. Every answer must be a non-5xx status the schema documents, with a body matching it.
Path ids are drawn at random and, half the time, set to an object that exists, so that the
happy paths run too. Examples per operation are few, which keeps the run well under a minute.
"""

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from scheduling.models import Source
from tests import factories
from tests.fixtures.api import signed_in, tomorrow
from tests.opd_site.api.test_permission_matrix import TABLE

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """The Django application, served in-process on the test's own database connection.

    Django's test client keeps the connection open across requests; so must we, or the
    request handler would close the connection that holds the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def existing_ids(hospital) -> dict[str, int]:
    """An id per path prefix of an object that exists, so generated requests can hit it."""
    token = hospital.token(slot=hospital.slots()[1])
    hospital.cancelled_paid_token(patient=hospital.other_patient)
    refund_token = hospital.cancelled_paid_token()
    from scheduling.models import Refund

    refund = Refund.objects.create(
        token=refund_token, amount=refund_token.fee, requested_at=refund_token.cancelled_at
    )
    entry = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(day=tomorrow()), patient=hospital.patient
    )
    hospital.token(
        patient=factories.PatientFactory(), slot=hospital.slots()[0], source=Source.WALK_IN
    )
    return {
        "/api/v1/tokens/": token.id,
        "/api/v1/slots/": hospital.slots()[0].id,
        "/api/v1/doctors/": hospital.doctor.id,
        "/api/v1/patients/": hospital.patient.id,
        "/api/v1/waiting/": entry.id,
        "/api/v1/refunds/": refund.id,
    }


def strategy_for(operation, ids: dict[str, int], mode: GenerationMode):
    generated = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path:
        return generated
    prefix = next((prefix for prefix in ids if operation.path.startswith(prefix)), None)
    if prefix is None:
        return generated
    existing = operation.as_strategy(generation_mode=mode, path_parameters={"id": ids[prefix]})
    return st.one_of(generated, existing)


def run_operations(schema, headers: dict[str, str], ids: dict[str, int]) -> tuple[int, Counter]:
    """Generate and check every operation; the number of operations and the statuses seen."""
    operations, statuses = 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=strategy_for(operation, ids, mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                statuses[response.status_code] += 1

            check()
    return operations, statuses


def access_header(user) -> dict[str, str]:
    client = signed_in(user)
    return {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}


@pytest.mark.slow
@pytest.mark.parametrize("role", ["front desk", "patient"])
def test_every_operation_answers_as_its_schema_says(hospital, wsgi_app, role):
    ids = existing_ids(hospital)
    user = hospital.admin if role == "front desk" else hospital.patient_user
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)

    operations, statuses = run_operations(schema, access_header(user), ids)

    cases = sum(statuses.values())
    seen = dict(sorted(statuses.items()))
    print(f"\nschemathesis ({role}): {operations} operations, {cases} generated cases, {seen}")
    assert operations == len(TABLE)
    assert cases >= operations * 2
    assert sum(count for status, count in statuses.items() if status < 300) >= operations // 2
