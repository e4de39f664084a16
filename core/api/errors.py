"""One error format for the whole API: {"detail": ..., "code": ..., "fields": {...}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError


def _flatten(value):
    """DRF nests messages in lists and dicts; keep the structure, stringify leaves."""
    if isinstance(value, dict):
        return {key: _flatten(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_flatten(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def django_validation_fields(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            f: [str(m) for e in errs for m in e.messages]
            for f, errs in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {
            "detail": str(exc.detail),
            "code": exc.code,
            "fields": _flatten(exc.fields),
        }
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        body = {
            "detail": _("Some fields are invalid."),
            "code": "invalid",
            "fields": django_validation_fields(exc),
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = (
            _flatten(exc.detail)
            if isinstance(exc.detail, dict)
            else {"non_field_errors": _flatten(exc.detail)}
        )
        response.data = {
            "detail": _("Some fields are invalid."),
            "code": "invalid",
            "fields": fields,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "detail": _flatten(detail),
            "code": code if isinstance(code, str) else "error",
            "fields": {},
        }
    return response
