"""API contract fuzzing: schemathesis generates requests from the OpenAPI schema and
sends each in-process to the WSGI application (no network) as every persona in
turn, with that persona's token. Every answer must be no 5xx, a status code the
schema declares for the operation, and a body and headers that match the schema.

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
SHARDS = 4  # the operations are split into this many tests (xdist spreads them)
RAN: dict[int, int] = {}


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


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_within_its_contract(
    shard, personas, world, fuzz_schema
):
    """Each generated request is sent once as every persona, in turn, on the
    same data: what one persona's write leaves behind, the next one reads."""
    populate(world)
    app = get_wsgi_application()
    headers = {
        persona: {"Authorization": _token(user)} if user is not None else {}
        for persona, user in ((p, personas[p]) for p in FUZZED_PERSONAS)
    }
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    failures: list[str] = []
    ran = 0
    for operation in operations[shard::SHARDS]:

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
            for persona, persona_headers in headers.items():
                ran += 1
                try:
                    response = case.call(app=app, headers=persona_headers)
                    case.validate_response(
                        response, checks=CHECKS, headers=persona_headers
                    )
                except Exception as error:
                    raise AssertionError(f"as {persona}: {error}") from error

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.label}: {error}")
    RAN[shard] = ran
    print(f"schemathesis, shard {shard} of {SHARDS}: {ran} requests")
    assert not failures, "\n\n".join(failures)
