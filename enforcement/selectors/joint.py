"""Reads of joint enforcement: every list starts from the user's scope, so an
invited agency sees only its cases and a partner nothing else."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enforcement.models import (
    Inspection,
    JointAction,
    JointCase,
    JointEvidence,
    JointInvitation,
    JointMeasure,
    JointParticipant,
    JointRecheck,
    JointSignature,
    JointTimelineEntry,
    PenaltyDecision,
    Violation,
)
from grid.models import Agency
from grid.selectors import user_scope


def joint_case_list(*, user, status: str | None = None) -> QuerySet[JointCase]:
    cases = JointCase.objects.for_user(user).select_related(
        "lead_agency", "enterprise", "street"
    )
    if status:
        cases = cases.filter(status=status)
    return cases.order_by("-created_at", "-id")


def joint_case_get(*, user, pk) -> JointCase:
    """One case the user may see (404 otherwise): the scope rule is asked of this
    case alone, not of every case the user sees."""
    case = get_object_or_404(
        JointCase.objects.select_related("lead_agency", "enterprise", "street"), pk=pk
    )
    if not joint_case_visible(user=user, case=case):
        raise Http404
    return case


def joint_case_visible(*, user, case: JointCase) -> bool:
    """``JointCase.objects.for_user(user)`` holds ``case`` (the same rule as
    ``joint_case_scope_q``, for one case)."""
    scope = user_scope(user=user)
    if scope.is_superuser or case.lead_agency_id in scope.agency_ids:
        return True
    if case.lead_agency.district_id in scope.district_ids:
        return True
    return JointInvitation.objects.filter(
        case=case,
        agency_id__in=scope.agency_ids,
        status=JointInvitation.Status.ACCEPTED,
    ).exists()


def joint_invitation_list(
    *, user, status: str | None = None, agency_id: int | None = None
) -> QuerySet[JointInvitation]:
    invitations = JointInvitation.objects.for_user(user).select_related(
        "case", "agency", "case__lead_agency"
    )
    if status:
        invitations = invitations.filter(status=status)
    if agency_id:
        invitations = invitations.filter(agency_id=agency_id)
    return invitations.order_by("-created_at", "-id")


INBOX_FIELDS = (
    "id",
    "status",
    "purpose",
    "proposed_start",
    "created_at",
    "agency_id",
    "case__id",
    "case__reference",
    "case__title",
    "case__lead_agency__name",
)


def joint_inbox(*, user, limit: int = 20) -> dict:
    """The invitations inbox by agency: what was sent to each of the user's
    agencies (newest first), and for the lead side what awaits approval."""
    scope = user_scope(user=user)
    agencies = list(
        Agency.objects.filter(pk__in=scope.agency_ids).order_by("kind", "name")
    )
    base = JointInvitation.objects.select_related("case__lead_agency").only(
        *INBOX_FIELDS
    )
    incoming = []
    for agency in agencies:
        rows = list(
            base.filter(agency=agency)
            .exclude(status__in=JointInvitation.UNSENT)
            .order_by("-created_at", "-id")[:limit]
        )
        incoming.append((agency, rows))
    awaiting = []
    if scope.is_bureau_admin:
        awaiting = list(
            JointInvitation.objects.for_user(user)
            .filter(status=JointInvitation.Status.AWAITING_APPROVAL)
            .select_related("case", "agency")
            .order_by("created_at", "id")[:limit]
        )
    outgoing = []
    if scope.district_ids or scope.is_superuser:
        # The bureau sees every case led in its district: filter on that directly.
        sent = JointInvitation.objects.filter(case__status=JointCase.Status.OPEN)
        if not scope.is_superuser:
            sent = sent.filter(case__lead_agency__district_id__in=scope.district_ids)
        outgoing = list(
            sent.select_related("case", "agency")
            .only(*INBOX_FIELDS, "agency__name", "case__status")
            .order_by("-created_at", "-id")[:limit]
        )
    return {"incoming": incoming, "awaiting": awaiting, "outgoing": outgoing}


# What the case page shows of the people and agencies it names: their names
# (a user row is wide, and every column costs on each of the page's queries).
NAMES = ("username", "first_name", "last_name")


def _named(queryset: QuerySet, *, user: str | None = None, agency: str | None = None):
    """``queryset`` with its user and agency joined, their names only."""
    model = queryset.model
    fields = [f.attname for f in model._meta.concrete_fields]
    related = []
    if user:
        related.append(user)
        fields += [f"{user}__{name}" for name in NAMES]
    if agency:
        related.append(agency)
        fields.append(f"{agency}__name")
    return queryset.select_related(*related).only(*fields)


def joint_case_file(*, user, case: JointCase) -> dict:
    """Everything on the case page, in a fixed number of queries."""
    actions = list(
        JointAction.objects.filter(case=case)
        .prefetch_related(
            Prefetch(
                "participants",
                _named(JointParticipant.objects.all(), user="user", agency="agency"),
            )
        )
        .order_by("starts_at", "id")
    )
    measures = list(
        JointMeasure.objects.filter(case=case)
        .select_related("issuing_agency")
        .prefetch_related(
            Prefetch(
                "signatures",
                _named(
                    JointSignature.objects.order_by("signed_at", "id"),
                    user="signed_by",
                    agency="agency",
                ),
            )
        )
        .order_by("created_at", "id")
    )
    rechecks = list(
        JointRecheck.objects.filter(case=case)
        .select_related("measure", "ticket")
        .only(
            *(f.attname for f in JointRecheck._meta.concrete_fields),
            "measure__summary",
            "ticket__reference",
        )
        .order_by("due_on", "id")
    )
    return {
        "invitations": list(
            _named(case.invitations.all(), agency="agency").order_by("created_at", "id")
        ),
        "actions": actions,
        "measures": measures,
        "rechecks": rechecks,
        "evidence": list(
            _named(JointEvidence.objects.filter(case=case), agency="agency").order_by(
                "uploaded_at", "id"
            )
        ),
        "timeline": list(
            _named(
                JointTimelineEntry.objects.filter(case=case),
                user="actor",
                agency="agency",
            ).order_by("at", "id")
        ),
        "shared": joint_shared_sections(case=case, user=user),
    }


def joint_shared_sections(*, case: JointCase, user) -> dict:
    """The enterprise-file sections the lead shared, for invitees who cannot see
    the enterprise otherwise (the lead side sees the file itself)."""
    if case.enterprise_id is None or not case.shared_sections:
        return {}
    sections = set(case.shared_sections)
    shared: dict = {}
    if "profile" in sections:
        shared["profile"] = case.enterprise
    if "inspections" in sections:
        shared["inspections"] = list(
            Inspection.objects.filter(enterprise_id=case.enterprise_id)
            .select_related("template")
            .only("inspected_on", "result", "template__title")
            .order_by("-inspected_on")[:20]
        )
    if "violations" in sections:
        shared["violations"] = list(
            Violation.objects.filter(enterprise_id=case.enterprise_id)
            .only("found_on", "law_article", "status")
            .order_by("-found_on")[:20]
        )
        shared["penalties"] = list(
            PenaltyDecision.objects.filter(enterprise_id=case.enterprise_id)
            .only("decision_number", "decided_on", "amount_yuan", "status")
            .order_by("-decided_on")[:20]
        )
    return shared


def joint_action_list(*, user) -> QuerySet[JointAction]:
    return JointAction.objects.for_user(user).select_related(
        "case", "case__lead_agency"
    )


def joint_calendar(*, user, month: date) -> dict:
    """Joint actions of one month, by day."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(following, time.min), zone)
    by_day: dict[date, list[JointAction]] = {}
    for action in (
        joint_action_list(user=user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(checked_in=Count("participants"))
        .order_by("starts_at", "id")
    ):
        by_day.setdefault(timezone.localtime(action.starts_at).date(), []).append(
            action
        )
    return {"first": first, "next": following, "by_day": by_day}


def joint_measure_list(*, user) -> QuerySet[JointMeasure]:
    return JointMeasure.objects.for_user(user).select_related("issuing_agency", "case")


def joint_recheck_list(*, user, overdue: bool = False) -> QuerySet[JointRecheck]:
    rechecks = JointRecheck.objects.for_user(user).select_related("case", "measure")
    if overdue:
        rechecks = rechecks.filter(
            status=JointRecheck.Status.OPEN, due_on__lt=timezone.localdate()
        )
    return rechecks


def joint_evidence_list(*, user) -> QuerySet[JointEvidence]:
    return JointEvidence.objects.for_user(user).select_related("agency")


def joint_invitable_agencies(*, case: JointCase) -> QuerySet[Agency]:
    """Street offices of the lead's district and bureaus of other jurisdictions."""
    return (
        Agency.objects.filter(
            Q(kind=Agency.Kind.STREET_OFFICE, district=case.lead_agency.district_id)
            | (
                ~Q(kind=Agency.Kind.STREET_OFFICE)
                & ~Q(district=case.lead_agency.district_id)
            )
        )
        .exclude(pk=case.lead_agency_id)
        .select_related("district")
        .order_by("kind", "district__code", "name")
    )
