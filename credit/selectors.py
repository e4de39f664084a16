"""Reads of the credit app. Scoped lists start from ``for_user``; the public
reads return only whitelisted fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit.models import (
    Appeal,
    CreditCode,
    CreditEvent,
    Cycle,
    Evaluation,
    NightWorkApplication,
    Objection,
    RepairRequest,
    ReplyStatement,
    Scheme,
    Sticker,
)
from enforcement.models import Enterprise

# Colour → supervision intensity for inspection planning (differentiated
# supervision, STANDARDS.md §8 and §10: green "无事不扰", red strict; sampling
# ratios rise with risk, key units ≥ 25 % a quarter, ordinary ~5 %).
SUPERVISION = {
    "green": {"inspections_per_year": 1, "sampling_ratio": 0.05},
    "yellow": {"inspections_per_year": 2, "sampling_ratio": 0.15},
    "red": {"inspections_per_year": 4, "sampling_ratio": 0.30},
}
COLOUR_SCORE = {"green": 0, "yellow": 1, "red": 2}

COLOUR_MEANING = {
    "green": _(
        "Good environmental standing: the enterprise meets its environmental "
        "requirements. Inspections are kept to a minimum."
    ),
    "yellow": _(
        "Needs improvement: problems were found that the enterprise must correct. "
        "Officers guide it and inspect routinely."
    ),
    "red": _(
        "Poor environmental standing: serious problems or violations. Officers "
        "supervise it strictly and inspect often."
    ),
}


# ------------------------------------------------------------------ for other apps


def colour_by_enterprise(
    *, enterprise_ids: list[int] | None = None, as_of: date | None = None
) -> dict[int, str]:
    """Current, still valid colour per enterprise (one query). For planning:
    look up SUPERVISION[colour] for frequency and sampling ratio."""
    as_of = as_of or timezone.localdate()
    queryset = CreditCode.objects.filter(is_current=True, valid_until__gte=as_of)
    if enterprise_ids is not None:
        queryset = queryset.filter(enterprise_id__in=enterprise_ids)
    return dict(queryset.values_list("enterprise_id", "colour"))


def supervision_by_enterprise(
    *, enterprise_ids: list[int] | None = None, as_of: date | None = None
) -> dict[int, dict]:
    return {
        enterprise_id: {"colour": colour, **SUPERVISION[colour]}
        for enterprise_id, colour in colour_by_enterprise(
            enterprise_ids=enterprise_ids, as_of=as_of
        ).items()
    }


# ---------------------------------------------------------------------- staff reads


def scheme_list() -> QuerySet[Scheme]:
    return Scheme.objects.prefetch_related("items")


def cycle_list(*, user) -> QuerySet[Cycle]:
    return (
        Cycle.objects.for_user(user)
        .select_related("scheme", "district")
        .annotate(evaluation_count=Count("evaluations", distinct=True))
        .order_by("-period_start", "-pk")
    )


def cycle_get(*, user, pk: int) -> Cycle:
    return get_object_or_404(
        Cycle.objects.for_user(user).select_related("scheme", "district"), pk=pk
    )


def cycle_colour_counts(*, cycle: Cycle) -> dict:
    rows = (
        Evaluation.objects.filter(cycle=cycle)
        .values("proposed_colour")
        .annotate(n=Count("id"))
    )
    counts = {row["proposed_colour"] or "pending": row["n"] for row in rows}
    counts["submitted"] = Evaluation.objects.filter(
        cycle=cycle, submitted_at__isnull=False
    ).count()
    return counts


def evaluation_list(*, user, filters: dict | None = None) -> QuerySet[Evaluation]:
    filters = filters or {}
    queryset = Evaluation.objects.for_user(user).select_related(
        "cycle__scheme", "enterprise__street"
    )
    if filters.get("cycle"):
        queryset = queryset.filter(cycle_id=filters["cycle"])
    if filters.get("colour"):
        queryset = queryset.filter(proposed_colour=filters["colour"])
    if filters.get("street"):
        queryset = queryset.filter(enterprise__street_id=filters["street"])
    if filters.get("submitted") in ("true", "false"):
        queryset = queryset.filter(submitted_at__isnull=filters["submitted"] == "false")
    if filters.get("q"):
        queryset = queryset.filter(enterprise__name__icontains=filters["q"].strip())
    return queryset


def evaluation_get(*, user, pk: int) -> Evaluation:
    return get_object_or_404(
        Evaluation.objects.for_user(user).select_related(
            "cycle__scheme", "enterprise__street", "decided_by", "submitted_by"
        ),
        pk=pk,
    )


def objection_list(*, user) -> QuerySet[Objection]:
    return Objection.objects.for_user(user).select_related(
        "evaluation__enterprise", "evaluation__cycle", "filed_by"
    )


def appeal_list(*, user) -> QuerySet[Appeal]:
    return Appeal.objects.for_user(user).select_related(
        "enterprise", "code", "reviewer", "filed_by"
    )


def appeal_get(*, user, pk: int) -> Appeal:
    return get_object_or_404(appeal_list(user=user), pk=pk)


def repair_list(*, user) -> QuerySet[RepairRequest]:
    return RepairRequest.objects.for_user(user).select_related(
        "enterprise", "code", "inspector", "filed_by"
    )


def repair_get(*, user, pk: int) -> RepairRequest:
    return get_object_or_404(repair_list(user=user), pk=pk)


def reply_list(*, user) -> QuerySet[ReplyStatement]:
    return ReplyStatement.objects.for_user(user).select_related(
        "enterprise", "filed_by", "moderated_by"
    )


def night_work_list(*, user) -> QuerySet[NightWorkApplication]:
    return NightWorkApplication.objects.for_user(user).select_related(
        "enterprise", "decided_by"
    )


def code_list(*, user) -> QuerySet[CreditCode]:
    return CreditCode.objects.for_user(user).select_related("enterprise")


def current_code(*, enterprise: Enterprise) -> CreditCode | None:
    return (
        CreditCode.objects.filter(enterprise=enterprise, is_current=True)
        .select_related("evaluation__cycle__scheme")
        .first()
    )


def current_sticker(*, enterprise: Enterprise) -> Sticker | None:
    return Sticker.objects.filter(
        enterprise=enterprise, revoked_at__isnull=True
    ).first()


def credit_event_list(*, user, enterprise: Enterprise) -> QuerySet[CreditEvent]:
    return CreditEvent.objects.for_user(user).filter(enterprise=enterprise)


def enterprises_of_user(*, user) -> QuerySet[Enterprise]:
    """The enterprises a user speaks for (enterprise accounts)."""
    if user is None or not user.is_authenticated:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(accounts__user_id=user.pk).order_by("name")


def colour_counts(*, user) -> dict[str, int]:
    """Current colours of the enterprises in the user's scope (dashboard)."""
    rows = (
        CreditCode.objects.for_user(user)
        .filter(is_current=True)
        .values("colour")
        .annotate(n=Count("id"))
    )
    return {row["colour"]: row["n"] for row in rows}


# --------------------------------------------------------------------- public reads

# The only fields a public page may show. Everything else about the enterprise
# (code, phone, permit, records, evidence) stays with staff and the enterprise.
PUBLIC_FIELDS = (
    "name",
    "address",
    "sector",
    "street",
    "property_manager",
    "person_in_charge",
    "colour",
    "colour_label",
    "colour_meaning",
    "valid_from",
    "valid_until",
    "expired",
    "requirements",
    "reply",
    "under_appeal",
    "sticker_issued_at",
    "outdated",
    "outdated_since",
    "hotline",
)


@dataclass(frozen=True)
class PublicLookup:
    sticker: Sticker
    enterprise: Enterprise


def sticker_lookup(*, token: str) -> PublicLookup | None:
    """The sticker for a token, or None (unknown and malformed tokens alike)."""
    if not token or len(token) > 40:
        return None
    sticker = (
        Sticker.objects.select_related("enterprise__street").filter(token=token).first()
    )
    if sticker is None:
        return None
    return PublicLookup(sticker=sticker, enterprise=sticker.enterprise)


def public_profile(*, lookup: PublicLookup, hotline: str) -> dict:
    """The whitelisted public facts behind a sticker."""
    enterprise, sticker = lookup.enterprise, lookup.sticker
    code = (
        CreditCode.objects.filter(enterprise=enterprise, is_current=True)
        .select_related("evaluation__cycle__scheme")
        .annotate(
            pending_appeal=Exists(
                Appeal.objects.filter(code=OuterRef("pk"), state="submitted")
            )
        )
        .first()
    )
    reply = (
        ReplyStatement.objects.filter(enterprise=enterprise, state="approved")
        .values_list("text", flat=True)
        .first()
    )
    scheme = code.evaluation.cycle.scheme if code and code.evaluation else None
    if scheme is None:
        scheme = (
            Scheme.objects.filter(
                Q(sector=enterprise.sector) | Q(sector="general"), is_active=True
            )
            .order_by("-sector")
            .first()
        )  # the sector's own scheme sorts first
    profile = {
        "name": enterprise.name,
        "address": enterprise.address,
        "sector": enterprise.get_sector_display(),
        "street": enterprise.street.name,
        "property_manager": enterprise.property_manager,
        "person_in_charge": enterprise.contact_name,
        "colour": code.colour if code else "",
        "colour_label": code.get_colour_display() if code else "",
        "colour_meaning": COLOUR_MEANING.get(code.colour, "") if code else "",
        "valid_from": timezone.localdate(code.valid_from) if code else None,
        "valid_until": code.valid_until if code else None,
        "expired": bool(code and code.valid_until < timezone.localdate()),
        "requirements": [
            line.strip()
            for line in (scheme.requirements if scheme else "").splitlines()
            if line.strip()
        ],
        "reply": reply or "",
        "under_appeal": bool(code and code.pending_appeal),
        "sticker_issued_at": timezone.localdate(sticker.issued_at),
        "outdated": sticker.revoked_at is not None,
        "outdated_since": timezone.localdate(sticker.revoked_at)
        if sticker.revoked_at
        else None,
        "hotline": hotline,
    }
    assert set(profile) <= set(PUBLIC_FIELDS)
    return profile


def published_cycle_list() -> QuerySet[Cycle]:
    """Cycles whose results are public: proposed during notice, then final."""
    return (
        Cycle.objects.filter(state__in=[Cycle.State.NOTICE, Cycle.State.PUBLISHED])
        .select_related("scheme", "district")
        .order_by("-notice_started_at", "-id")
    )


def published_results(
    *, cycle: Cycle, sector: str = "", street: int | None = None
) -> QuerySet:
    """One row per enterprise of a public cycle, public fields only."""
    colour_field = (
        "final_colour" if cycle.state == Cycle.State.PUBLISHED else "proposed_colour"
    )
    queryset = Evaluation.objects.filter(cycle=cycle)
    if sector:
        queryset = queryset.filter(enterprise__sector=sector)
    if street:
        queryset = queryset.filter(enterprise__street_id=street)
    return (
        queryset.order_by("enterprise__street__name", "enterprise__name")
        .annotate(colour=F(colour_field))
        .values(
            "enterprise__name",
            "enterprise__address",
            "enterprise__sector",
            "enterprise__street__name",
            "colour",
        )
    )
