"""API contract fuzzing: schemathesis generates requests from the OpenAPI schema and
sends them in-process to the WSGI application (no network), once per persona with
that persona's token. Every answer must be no 5xx, a status code the schema
declares for the operation, and a body and headers that match the schema.

The number of examples per operation is bounded (FUZZ_EXAMPLES, default 20), so
the run is quick enough for CI; raise it locally for a deeper search."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import PERSONAS
from .factories import populate

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZED_PERSONAS = PERSONAS
RAN: dict[str, int] = {}


def openapi_document() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


@pytest.fixture
def _connection_kept_across_requests():
    """The WSGI handler closes the database connection after each request; inside a
    test's transaction that would lose it (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_schema(_connection_kept_across_requests):
    schema = schemathesis.openapi.from_dict(openapi_document())
    return schema


def _token(user) -> str:
    _token, key = AuthToken.objects.create(user=user)
    return f"Token {key}"


@pytest.mark.parametrize("persona", FUZZED_PERSONAS)
def test_every_operation_answers_within_its_contract(
    persona, personas, world, fuzz_schema
):
    populate(world)
    app = get_wsgi_application()
    user = personas[persona]
    headers = {"Authorization": _token(user)} if user is not None else {}
    failures: list[str] = []
    ran = 0
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal ran
            ran += 1
            response = case.call(app=app, headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.label}: {error}")
    RAN[persona] = ran
    print(f"schemathesis as {persona}: {ran} cases")
    assert not failures, "\n\n".join(failures)
