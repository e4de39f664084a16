"""The OpenAPI schema generates without warnings and the docs need no CDN."""

import pytest
from django.core.management import call_command


def test_schema_generates_and_validates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yaml"),
    )
    assert "/api/v1/enforcement/enterprises/" in (tmp_path / "s.yaml").read_text()


@pytest.mark.django_db
def test_api_docs_page_uses_vendored_swagger(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("u"))
    page = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in page
    assert "cdn." not in page


def test_a_read_only_choice_of_a_blank_model_field_may_be_empty():
    """A credit evaluation's colours are "" until decided; the schema says so
    (DRF drops allow_blank from read-only fields, core.api.schema.AutoSchema
    puts it back)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    final_colour = components["Evaluation"]["properties"]["final_colour"]
    enums = [
        components[option["$ref"].rsplit("/", 1)[-1]]["enum"]
        for option in final_colour["oneOf"]
    ]
    assert ["green", "yellow", "red"] in enums
    assert [""] in enums
    # a required, non-blank choice stays a plain enum
    sector = components["Enterprise"]["properties"]["sector"]
    assert "oneOf" not in sector


def test_a_time_of_day_is_declared_as_the_local_time_it_is():
    """A night-work window's times carry no offset, which the ``time`` format
    requires; the schema declares them by a pattern that what DRF writes (and
    reads) matches."""
    import datetime
    import re

    from drf_spectacular.generators import SchemaGenerator
    from rest_framework import serializers

    from core.api.schema import TIME_PATTERN

    schema = SchemaGenerator().get_schema(request=None, public=True)
    starts_at = schema["components"]["schemas"]["NightWork"]["properties"]["starts_at"]
    assert "format" not in starts_at
    assert starts_at["pattern"] == TIME_PATTERN
    for value in (datetime.time(22, 5, 7, 923503), datetime.time(6, 0)):
        written = serializers.TimeField().to_representation(value)
        assert re.match(TIME_PATTERN, written)
        assert serializers.TimeField().to_internal_value(written) == value
    assert not re.match(TIME_PATTERN, "24:00")
    assert not re.match(TIME_PATTERN, "22:00+08:00")


def test_a_read_only_field_through_an_empty_relation_may_be_null():
    """A ticket merged into no other answers ``merged_into_reference: null``."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert components["TicketDetail"]["properties"]["merged_into_reference"]["nullable"]
    assert components["TicketTransition"]["properties"]["related_reference"]["nullable"]
    assert "nullable" not in components["Ticket"]["properties"]["reference"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/grid/tickets/{id}/attachments/",
        "/api/v1/grid/tickets/{id}/duplicates/",
        "/api/v1/enforcement/health-codes/{enterprise}/history/",
        "/api/v1/hazwaste/producers/{id}/mass-balance/",
        "/api/v1/enforcement/joint-cases/{id}/timeline/",
    ],
)
def test_a_record_s_own_list_is_declared_as_the_plain_list_it_answers(path):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    answer = schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["type"] == "array"
