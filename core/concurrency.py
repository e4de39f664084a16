"""Optimistic concurrency for edits: ``ETag`` on reads, ``If-Match`` on writes.

A client that read a record sends its ETag back with ``If-Match``; if the record
changed in between, the edit is refused with 412 instead of silently overwriting
someone else's change. The check runs on the row locked for the update, so two
edits made from the same version cannot both pass."""

from __future__ import annotations

import hashlib

from django.db import models, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from core.errors import PreconditionFailed

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read; the edit is refused (412) if the record changed.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="Version of the record; send it back with If-Match.",
)


def etag_for(instance: models.Model) -> str:
    """A strong ETag from the model, the primary key and ``updated_at``: every save
    moves ``updated_at`` (TimeStampedModel), so every change gives a new tag."""
    stamp = getattr(instance, "updated_at", None)
    version = stamp.isoformat() if stamp is not None else ""
    raw = f"{instance._meta.label}:{instance.pk}:{version}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [part.strip() for part in header.split(",") if part.strip()]


def if_match_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-Match: absent or ``*`` matches; otherwise strong comparison."""
    if header is None or header.strip() == "*":
        return True
    return any(tag == etag for tag in _tags(header) if not tag.startswith("W/"))


def lock_if_match(request, instance: models.Model) -> models.Model:
    """Lock the row and check ``If-Match`` against it; call inside a transaction.

    Returns the locked, fresh instance; raises ``PreconditionFailed`` (412)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_if_match() must run inside transaction.atomic()")
    fresh = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if not if_match_matches(request.headers.get("If-Match"), etag_for(fresh)):
        raise PreconditionFailed()
    return fresh


def with_etag(response: Response, instance: models.Model) -> Response:
    response["ETag"] = etag_for(instance)
    return response
