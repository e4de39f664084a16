"""``Idempotency-Key`` for unsafe API calls from phones on flaky connections: the
same key with the same request gets the first answer again and changes nothing;
the same key with a different request is refused (422)."""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from core.errors import ApplicationError, InvalidInput
from grid.models import IdempotentRequest

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used for a different request.")


def request_fingerprint(request) -> str:
    """A hash of what the request asks for: method, path, fields and file bytes
    (not the raw body: a multipart boundary changes on every retry)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):
        fields = {k: v for k, v in data.lists() if k not in request.FILES}
    else:
        fields = data
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            file_digest = hashlib.sha256()
            for chunk in upload.chunks():
                file_digest.update(chunk)
            upload.seek(0)
            digest.update(f"{name}:{file_digest.hexdigest()}\n".encode())
    return digest.hexdigest()


def _replay(stored: IdempotentRequest, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    response = Response(stored.body, status=stored.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Wrap a DRF view method; without the header it runs as usual."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 100:
            raise InvalidInput(fields={HEADER: [_("At most 100 characters.")]})
        fingerprint = request_fingerprint(request)
        lookup = {"user_id": request.user.pk, "key": key}
        stored = IdempotentRequest.objects.filter(**lookup).first()
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotentRequest.objects.create(
                        **lookup,
                        fingerprint=fingerprint,
                        status_code=response.status_code,
                        body=response.data,
                    )
        except (IntegrityError, ApplicationError):
            # A concurrent retry with the same key may have committed first: its
            # answer stands (the state it changed would refuse this one).
            stored = IdempotentRequest.objects.filter(**lookup).first()
            if stored is None:
                raise
            return _replay(stored, fingerprint)
        return response

    return wrapper
