"""Published colours and their stickers."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from credit.models import COLOUR_VALUES, CreditCode, Sticker, new_sticker_token
from credit.services._common import (
    now_or,
    public_cache_invalidate,
    record,
    require_bureau,
    required_text,
)
from enforcement.models import Enterprise


def invalidate_on_commit(enterprise_ids) -> None:
    """Drop cached public pages now and again after commit, so no request can
    cache the old state in between."""
    ids = list(enterprise_ids)
    public_cache_invalidate(enterprise_ids=ids)
    transaction.on_commit(lambda: public_cache_invalidate(enterprise_ids=ids))


def code_replace(
    *,
    enterprise: Enterprise,
    colour: str,
    source: str,
    reason: str,
    valid_until: date,
    decided_by=None,
    evaluation=None,
    now: datetime | None = None,
) -> CreditCode:
    """A new current colour for one enterprise (appeal, repair): the old code is
    superseded, and a new sticker replaces the old one."""
    now = now_or(now)
    if colour not in COLOUR_VALUES:
        raise InvalidInput(fields={"colour": [_("Unknown colour.")]})
    reason = required_text(reason, "reason", _("Give the reason for the new colour."))
    old = (
        CreditCode.objects.select_for_update()
        .filter(enterprise=enterprise, is_current=True)
        .first()
    )
    if old is not None:
        old.is_current, old.superseded_at = False, now
        old.save(update_fields=["is_current", "superseded_at", "updated_at"])
    code = CreditCode.objects.create(
        enterprise=enterprise,
        colour=colour,
        source=source,
        evaluation=evaluation,
        valid_from=now,
        valid_until=valid_until,
        reason=reason,
        decided_by=decided_by,
    )
    record(
        subject="code",
        subject_id=code.pk,
        action="colour_changed",
        at=now,
        actor=decided_by,
        enterprise_id=enterprise.pk,
        from_state=old.colour if old else "",
        to_state=colour,
        reason=reason,
    )
    _issue(enterprise=enterprise, code=code, user=decided_by, now=now)
    invalidate_on_commit([enterprise.pk])
    return code


def _issue(
    *, enterprise: Enterprise, code: CreditCode, user, now, reason=""
) -> Sticker:
    Sticker.objects.filter(enterprise=enterprise, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason or _("A new code was published.")
    )
    return Sticker.objects.create(
        enterprise=enterprise,
        code=code,
        token=new_sticker_token(),
        issued_at=now,
        issued_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def sticker_reissue(
    *, enterprise: Enterprise, user, reason: str, now: datetime | None = None
) -> Sticker:
    """A new sticker for the current code (lost, damaged or copied sticker); the old
    one stops being valid and its page says it is outdated."""
    require_bureau(user)
    now = now_or(now)
    reason = required_text(reason, "reason", _("Say why the sticker is re-issued."))
    code = (
        CreditCode.objects.select_for_update()
        .filter(enterprise=enterprise, is_current=True)
        .first()
    )
    if code is None:
        raise Conflict(_("The enterprise has no published code yet."))
    sticker = _issue(
        enterprise=enterprise, code=code, user=user, now=now, reason=reason
    )
    record(
        subject="sticker",
        subject_id=sticker.pk,
        action="sticker_reissued",
        at=now,
        actor=user,
        enterprise_id=enterprise.pk,
        reason=reason,
    )
    invalidate_on_commit([enterprise.pk])
    return sticker
