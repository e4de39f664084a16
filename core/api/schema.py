"""The OpenAPI schema: the API's error answers, and the values fields really
hold.

Every error has one shape, ``{"detail", "code", "fields"}`` (core.api.errors); this
postprocessing hook declares it, once, as the ``Error`` component and adds to each
operation the error statuses it can really give, so clients and the contract
fuzzing see no undocumented status code."""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers

# a local time of day as DRF writes and reads it: "22:00", "22:00:00.500000"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class AutoSchema(openapi.AutoSchema):
    """Three kinds of fields are declared as they really are:

    * a read-only field with ``default=None`` (read through a relation that
      may be empty, such as the original a ticket was merged into) answers
      null;
    * DRF drops ``allow_blank`` from the read-only fields of a ModelSerializer,
      so a choice of a model field with ``blank=True`` (a colour not yet
      decided, an outcome not yet known) would be declared without the "" it
      answers;
    * a time of day (a night-work window) is local, with no offset, which the
      ``time`` format (RFC 3339 ``full-time``) requires: it is declared by a
      pattern instead."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if _blank_read_only_choice(field):
            field = copy.copy(field)
            field.allow_blank = True
        if field.read_only and field.default is None and not field.allow_null:
            field = copy.copy(field)  # read through a relation that may be empty
            field.allow_null = True
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and result.get("format") == "time":
            result = {k: v for k, v in result.items() if k != "format"}
            result["pattern"] = TIME_PATTERN
        return result


def _blank_read_only_choice(field) -> bool:
    if not (
        isinstance(field, serializers.ChoiceField)
        and field.read_only
        and not field.allow_blank
        and len(field.source_attrs) == 1
    ):
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        model_field = model._meta.get_field(field.source)
    except (AttributeError, FieldDoesNotExist):  # no model, or not a model field
        return False
    return bool(getattr(model_field, "blank", False))


ERROR_COMPONENT = {
    "type": "object",
    "description": "Every error answer of the API.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "What went wrong, for programs."},
        "fields": {
            "type": "object",
            "description": "Messages per input field (validation errors).",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "code", "fields"],
}
DESCRIPTIONS = {
    "400": "The input is invalid; `fields` names each bad field.",
    "401": "Not logged in (no or an invalid token).",
    "403": "Logged in, but not allowed to do this.",
    "404": "Not found, or outside your scope.",
    "409": "A state conflict, or the same Idempotency-Key is still in flight.",
    "412": "The record changed since the ETag sent in If-Match.",
    "413": "The request body is too large.",
    "422": "The Idempotency-Key was used for a different request.",
    "429": "Too many attempts; try again later.",
}
BODY_METHODS = {"post", "put", "patch"}


def _header_names(operation: dict) -> set[str]:
    return {
        p.get("name", "").lower()
        for p in operation.get("parameters", [])
        if p.get("in") == "header"
    }


def _statuses(path: str, method: str, operation: dict) -> set[str]:
    security = operation.get("security") or []
    public = not security or {} in security
    parameters = operation.get("parameters", [])
    statuses = set()
    if method in BODY_METHODS or any(p.get("in") == "query" for p in parameters):
        statuses.add("400")
    if method in BODY_METHODS:
        statuses.add("413")
    if not public:
        statuses.update({"401", "403"})
    if "{" in path or any(p.get("name") == "page" for p in parameters):
        statuses.add("404")
    if method in BODY_METHODS and "{" in path:
        statuses.add("409")  # business actions on a record: illegal or concurrent
    headers = _header_names(operation)
    if "idempotency-key" in headers:
        statuses.update({"409", "422"})
    if "if-match" in headers:
        statuses.add("412")
    if public:
        statuses.add("429")  # public endpoints are throttled (login: also lockout)
    return statuses


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_COMPONENT
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, method, operation)):
                responses.setdefault(
                    status,
                    {
                        "description": DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
