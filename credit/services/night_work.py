"""Differentiated supervision: construction-site night-work applications follow
the site's colour (Xuhui practice, STANDARDS.md §8): green approved at once, yellow
queued for review the same day, red refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from credit.models import CreditCode, NightWorkApplication
from credit.services._common import (
    now_or,
    record,
    require_account,
    require_bureau,
    required_text,
)
from enforcement.models import Enterprise

# Night time for noise purposes: 22:00–06:00 (GB 3096—2008).
NIGHT_STARTS, NIGHT_ENDS = time(22, 0), time(6, 0)


def _at_night(moment: time) -> bool:
    return moment >= NIGHT_STARTS or moment <= NIGHT_ENDS


def _end_of_local_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    midnight = datetime.combine(local.date() + timedelta(days=1), time.min)
    return timezone.make_aware(midnight, local.tzinfo) - timedelta(seconds=1)


@transaction.atomic
def night_work_apply(
    *,
    enterprise: Enterprise,
    user,
    work_date: date,
    starts_at: time,
    ends_at: time,
    works: str,
    noise_measures: str = "",
    now: datetime | None = None,
) -> NightWorkApplication:
    """File an application; the decision follows the site's valid colour."""
    now = now_or(now)
    require_account(user, enterprise)
    problems: dict[str, list[str]] = {}
    if enterprise.sector != Enterprise.Sector.CONSTRUCTION_SITE:
        problems["enterprise"] = [_("Only construction sites apply for night work.")]
    if work_date < timezone.localdate(now):
        problems["work_date"] = [_("The date is in the past.")]
    if not _at_night(starts_at):
        problems["starts_at"] = [_("Night work starts between 22:00 and 06:00.")]
    if not _at_night(ends_at):
        problems["ends_at"] = [_("Night work ends between 22:00 and 06:00.")]
    if not (works or "").strip():
        problems["works"] = [_("Describe the works.")]
    if problems:
        raise InvalidInput(fields=problems)
    code = (
        CreditCode.objects.filter(
            enterprise=enterprise,
            is_current=True,
            valid_until__gte=timezone.localdate(now),
        )
        .only("colour")
        .first()
    )
    colour = code.colour if code else ""
    application = NightWorkApplication(
        enterprise=enterprise,
        filed_by=user,
        work_date=work_date,
        starts_at=starts_at,
        ends_at=ends_at,
        works=works.strip()[:500],
        noise_measures=(noise_measures or "").strip()[:500],
        colour_at_filing=colour,
    )
    if colour == "green":
        application.state = NightWorkApplication.State.APPROVED
        application.decided_at = now
        application.reason = _("Green code: approved automatically.")
    elif colour == "red":
        application.state = NightWorkApplication.State.REFUSED
        application.decided_at = now
        application.reason = _(
            "Red code: night work is refused until the code improves (credit repair)."
        )
    else:
        application.state = NightWorkApplication.State.QUEUED
        application.review_due = _end_of_local_day(now)
        application.reason = (
            _("Yellow code: reviewed by staff today.")
            if colour == "yellow"
            else _("No valid code: reviewed by staff today.")
        )
    application.save()
    record(
        subject="night_work",
        subject_id=application.pk,
        action="night_work_filed",
        at=now,
        actor=user,
        enterprise_id=enterprise.pk,
        to_state=application.state,
        reason=application.reason,
    )
    return application


@transaction.atomic
def night_work_decide(
    *,
    application: NightWorkApplication,
    user,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> NightWorkApplication:
    require_bureau(user)
    now = now_or(now)
    application = NightWorkApplication.objects.select_for_update().get(
        pk=application.pk
    )
    if application.state != NightWorkApplication.State.QUEUED:
        raise Conflict(_("The application was already decided."))
    if not approve:
        reason = required_text(reason, "reason", _("Give the reason for refusing."))
    to = (
        NightWorkApplication.State.APPROVED
        if approve
        else NightWorkApplication.State.REFUSED
    )
    record(
        subject="night_work",
        subject_id=application.pk,
        action="night_work_decided",
        at=now,
        actor=user,
        enterprise_id=application.enterprise_id,
        from_state=application.state,
        to_state=to,
        reason=reason,
    )
    application.state, application.decided_by, application.decided_at = to, user, now
    application.reason = reason or _("Approved after review.")
    application.save()
    return application
