"""The API's error answers in the OpenAPI schema.

Every error has one shape, ``{"detail", "code", "fields"}`` (core.api.errors); this
postprocessing hook declares it, once, as the ``Error`` component and adds to each
operation the error statuses it can really give, so clients and the contract
fuzzing see no undocumented status code."""

from __future__ import annotations

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
