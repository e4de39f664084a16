"""What credit contributes to the lower layers, through their registries: the
enterprise file's timeline, a dashboard panel and, where the enforcement factor
registry exists, the colour as a factor for inspection planning."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enforcement import services as enforcement_services
from enforcement.models import Enterprise

ACTION_TITLES = {
    "published": _("Credit code published"),
    "colour_changed": _("Credit colour changed"),
    "self_assessed": _("Credit self-assessment submitted"),
    "self_assessment_revised": _("Credit self-assessment revised"),
    "adjusted": _("Proposed credit colour adjusted"),
    "objection_filed": _("Objection filed"),
    "objection_resolved": _("Objection resolved"),
    "appeal_filed": _("Credit appeal filed"),
    "appeal_decided": _("Credit appeal decided"),
    "reply_submitted": _("Statement submitted"),
    "reply_moderated": _("Statement moderated"),
    "repair_requested": _("Credit repair requested"),
    "repair_inspection_scheduled": _("Repair inspection scheduled"),
    "repair_verified": _("Repair inspection recorded"),
    "sticker_reissued": _("Sticker re-issued"),
    "night_work_filed": _("Night-work application"),
    "night_work_decided": _("Night-work application decided"),
}


def credit_timeline(*, enterprise: Enterprise, user) -> Iterator:
    from credit.models import CreditCode, CreditEvent

    url = reverse("credit:enterprise-credit", args=[enterprise.pk])
    codes = CreditCode.objects.for_user(user).filter(
        enterprise=enterprise, source=CreditCode.Source.CYCLE
    )[:20]
    for code in codes:  # published by a cycle; other changes are events below
        yield enforcement_services.TimelineEvent(
            at=code.valid_from,
            source="credit",
            title=str(ACTION_TITLES["published"]),
            detail=f"{code.get_colour_display()} {code.reason}",
            url=url,
        )
    events = CreditEvent.objects.for_user(user).filter(enterprise=enterprise)[:50]
    for event in events:
        title = str(ACTION_TITLES.get(event.action, event.action))
        detail = " → ".join(s for s in (event.from_state, event.to_state) if s)
        if event.reason:
            detail = f"{detail} {event.reason}".strip()
        yield enforcement_services.TimelineEvent(
            at=event.at, source="credit", title=title, detail=detail, url=url
        )


def dashboard_context(*, user) -> dict | None:
    from credit import selectors
    from grid.selectors import user_scope

    if not user_scope(user=user).is_staff_member:
        return None
    return {"credit_counts": selectors.colour_counts(user=user)}


def credit_colour_factor(*, as_of) -> dict[int, int]:
    """Factor for inspection planning: 0 green, 1 yellow, 2 red (valid codes)."""
    from credit.selectors import COLOUR_SCORE, colour_by_enterprise

    return {
        enterprise_id: COLOUR_SCORE[colour]
        for enterprise_id, colour in colour_by_enterprise(as_of=as_of).items()
    }


def register() -> None:
    enforcement_services.register_timeline_source("credit", credit_timeline)
    enforcement_services.register_dashboard_panel(
        enforcement_services.DashboardPanel(
            name="credit",
            template="credit/_dashboard_panel.html",
            context=dashboard_context,
            order=50,
        )
    )
    # The health code reads the credit colour as a factor; enforcement never
    # imports credit.
    enforcement_services.register_factor(
        enforcement_services.Factor(
            name="credit.colour",
            label=_("Credit code (0 green, 1 yellow, 2 red)"),
            unit=_("level"),
            provider=credit_colour_factor,
            order=80,
        )
    )
