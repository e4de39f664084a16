"""``Idempotency-Key`` for ingestion and mobile submissions.

A client that may retry (a phone on a flaky connection, an ingestion job) sends a
key of its choosing with an unsafe request:

- the same key with the same request gets the first answer again, and nothing is
  done twice;
- the same key with a different request is refused (422);
- the same key while the first request is still running is refused (409): retry
  later.

Only successful (2xx) answers are kept. Any other answer wrote nothing (services
are atomic), so the key is released and a retry runs afresh.

Use ``@idempotent`` on a DRF view method and ``IDEMPOTENCY_KEY`` in its schema::

    @extend_schema(parameters=[IDEMPOTENCY_KEY], ...)
    @idempotent
    def create(self, request): ...
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from core.errors import ApplicationError, Conflict, InvalidInput
from core.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
REPLAYED_HEADER = "Idempotent-Replayed"
# Headers worth replaying with a stored answer.
KEPT_HEADERS = ("Location", "ETag")

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retry safely: the same key with the same request returns the first "
        "answer; with a different request 422; while the first is running 409."
    ),
)


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used for a different request.")


class IdempotencyKeyInFlight(Conflict):
    default_code = "idempotency_key_in_flight"
    default_detail = _(
        "A request with this Idempotency-Key is still being processed; retry later."
    )


def _in_flight_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_IN_FLIGHT_SECONDS", 300))


def request_fingerprint(request) -> str:
    """A hash of what the request asks for: method, path, query, fields and file
    bytes (not the raw body: a multipart boundary changes on every retry)."""
    digest = hashlib.sha256()
    digest.update(
        f"{request.method} {request.path}?{request.GET.urlencode()}\n".encode()
    )
    data = request.data
    files = getattr(request, "FILES", {}) or {}
    if hasattr(data, "lists"):
        fields = {k: v for k, v in data.lists() if k not in files}
    else:
        fields = data
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            file_digest = hashlib.sha256()
            for chunk in upload.chunks():
                file_digest.update(chunk)
            upload.seek(0)
            digest.update(f"{name}:{file_digest.hexdigest()}\n".encode())
    return digest.hexdigest()


def _owner(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def _replay(stored: IdempotentRequest) -> Response:
    response = Response(stored.body, status=stored.status_code)
    for name, value in (stored.headers or {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(*, owner: str, key: str, fingerprint: str, now: datetime):
    """Claim the key (committed at once, so concurrent retries see it), or return
    the stored row that holds it."""
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                owner=owner, key=key, fingerprint=fingerprint
            ), None
    except IntegrityError:
        pass
    stored = IdempotentRequest.objects.get(owner=owner, key=key)
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if stored.state == IdempotentRequest.State.DONE:
        return None, stored
    # In flight: a claim left by a process that died is taken over after a while.
    stale = now - _in_flight_timeout()
    taken = IdempotentRequest.objects.filter(
        pk=stored.pk, state=IdempotentRequest.State.IN_FLIGHT, created_at__lt=stale
    ).update(created_at=now)
    if not taken:
        raise IdempotencyKeyInFlight()
    stored.refresh_from_db()
    return stored, None


def idempotent(view_method):
    """Wrap a DRF view method; without the header it runs as usual."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(
                fields={
                    HEADER: [
                        _("At most %(n)d printable characters.") % {"n": MAX_KEY_LENGTH}
                    ]
                }
            )
        claim, stored = _claim(
            owner=_owner(request),
            key=key,
            fingerprint=request_fingerprint(request),
            now=timezone.now(),
        )
        if stored is not None:
            return _replay(stored)
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotentRequest.objects.filter(pk=claim.pk).update(
                        state=IdempotentRequest.State.DONE,
                        status_code=response.status_code,
                        body=getattr(response, "data", None),
                        headers={
                            name: response[name]
                            for name in KEPT_HEADERS
                            if response.has_header(name)
                        },
                        completed_at=timezone.now(),
                    )
                    return response
        except BaseException:
            IdempotentRequest.objects.filter(pk=claim.pk).delete()
            raise
        IdempotentRequest.objects.filter(pk=claim.pk).delete()
        return response

    return wrapper


def idempotency_purge(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Forget answers older than the retry window; returns how many were removed."""
    cutoff = timezone.now() - older_than
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
