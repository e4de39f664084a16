"""Helpers shared by the credit services: the record, role checks, files, cache."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from credit.models import CreditEvent, Sticker
from enforcement.models import Enterprise, EnterpriseAccount
from grid.selectors import user_scope

PUBLIC_CACHE_PREFIX = "credit:public:"


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def record(
    *,
    subject: str,
    subject_id: int,
    action: str,
    at: datetime,
    actor=None,
    enterprise_id: int | None = None,
    cycle_id: int | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
) -> CreditEvent:
    """One line on the credit record: who did what, when and why."""
    return CreditEvent.objects.create(
        subject=subject,
        subject_id=subject_id,
        action=action,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        enterprise_id=enterprise_id,
        cycle_id=cycle_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def require_bureau(user) -> None:
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied(_("Only bureau staff may do this."))


def require_account(user, enterprise: Enterprise) -> None:
    """The user speaks for this enterprise (bureau staff may act on its behalf)."""
    if user_scope(user=user).is_bureau:
        return
    if not EnterpriseAccount.objects.filter(
        user_id=user.pk, enterprise_id=enterprise.pk
    ).exists():
        raise PermissionDenied(_("Only the enterprise's own account may do this."))


def required_text(value: str, field: str, message: str | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(fields={field: [message or _("This field is required.")]})
    return value


MAX_EVIDENCE_BYTES = 10 * 2**20
EVIDENCE_TYPES = {
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpg",
    b"%PDF": "pdf",
    b"RIFF": "webp",
}


def checked_evidence(upload, field: str) -> str:
    """SHA-256 of an uploaded photo or PDF after checking its size and magic bytes
    (not its name)."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise InvalidInput(fields={field: [_("The file is larger than 10 MB.")]})
    upload.seek(0)
    head = upload.read(8)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES):
        raise InvalidInput(
            fields={field: [_("Upload a photo (JPEG, PNG, WebP) or a PDF.")]}
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def public_cache_keys(tokens) -> list[str]:
    from django.conf import settings

    return [
        f"{PUBLIC_CACHE_PREFIX}{language}:{token}"
        for token in tokens
        for language, _name in settings.LANGUAGES
    ]


def public_cache_invalidate(*, enterprise_ids) -> None:
    """Forget the cached public pages of these enterprises' stickers (current and
    outdated ones: an outdated page shows the current colour too)."""
    tokens = Sticker.objects.filter(enterprise_id__in=enterprise_ids).values_list(
        "token", flat=True
    )
    keys = public_cache_keys(tokens.iterator(chunk_size=5000))
    for start in range(0, len(keys), 5000):
        cache.delete_many(keys[start : start + 5000])
