"""Pages of joint enforcement: the invitations inbox (by agency), the case page
with its shared timeline, a calendar of joint actions, and the phone page for
check-in and evidence. Forms post to one small view per record that calls one
service; errors come back as a message on the page."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.uploads import download_response
from enforcement import selectors, services
from enforcement.models import JointCase, JointInvitation, JointMeasure
from enforcement.services.joint import is_lead_side
from grid.selectors import user_scope


def _when(value: str | None) -> datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _day(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _error(request, error: ApplicationError) -> None:
    parts = [str(error.detail)]
    for field, problems in error.fields.items():
        parts.append(f"{field}: {'; '.join(str(p) for p in problems)}")
    messages.error(request, " · ".join(parts))


@login_required
def inbox(request):
    return render(
        request,
        "enforcement/joint_inbox.html",
        {"inbox": selectors.joint_inbox(user=request.user)},
    )


@login_required
def case_list(request):
    scope = user_scope(user=request.user)
    cases = selectors.joint_case_list(
        user=request.user, status=request.GET.get("status")
    )
    return render(
        request,
        "enforcement/joint_case_list.html",
        {
            "cases": cases[:200],
            "can_open": scope.is_staff_member,
            "origins": JointCase.Origin.choices,
        },
    )


@login_required
@require_POST
def case_new(request):
    data = request.POST
    try:
        enterprise = None
        if data.get("enterprise"):
            enterprise = selectors.enterprise_get(
                user=request.user, pk=int(data["enterprise"])
            )
        case = services.joint_case_open(
            user=request.user,
            title=data.get("title", ""),
            origin=data.get("origin", ""),
            description=data.get("description", ""),
            enterprise=enterprise,
            site_name=data.get("site_name", ""),
            address=data.get("address", ""),
            lon=float(data["lon"]) if data.get("lon") else None,
            lat=float(data["lat"]) if data.get("lat") else None,
        )
    except (ApplicationError, ValueError) as error:
        if isinstance(error, ApplicationError):
            _error(request, error)
        else:
            messages.error(request, _("Check the numbers you entered."))
        return redirect("joint:case-list")
    return redirect(case)


@login_required
def case_detail(request, pk: int):
    case = selectors.joint_case_get(user=request.user, pk=pk)
    lead = is_lead_side(user=request.user, case=case)
    scope = user_scope(user=request.user)
    file = selectors.joint_case_file(user=request.user, case=case)
    accepted = [
        invitation
        for invitation in file["invitations"]
        if invitation.status == JointInvitation.Status.ACCEPTED
    ]
    parties = {case.lead_agency_id, *(i.agency_id for i in accepted)}
    context = {
        "case": case,
        "file": file,
        "is_lead": lead,
        "is_party": lead or bool(parties & set(scope.agency_ids)),
        "my_agency_ids": set(scope.agency_ids)
        | ({case.lead_agency_id} if lead else set()),
        "invitable": selectors.joint_invitable_agencies(case=case) if lead else [],
        "sections": JointCase.Section.choices,
        "kinds": JointMeasure.Kind.choices,
        "party_agencies": accepted,
        "today": timezone.localdate(),
    }
    return render(request, "enforcement/joint_case_detail.html", context)


@login_required
@require_POST
def case_act(request, pk: int):
    case = selectors.joint_case_get(user=request.user, pk=pk)
    data, op = request.POST, request.POST.get("op")
    try:
        if op == "invite":
            services.joint_invitation_create(
                case=case,
                user=request.user,
                agency_id=data.get("agency"),
                purpose=data.get("purpose", ""),
                needs=data.get("needs", ""),
                place=data.get("place", ""),
                proposed_start=_when(data.get("proposed_start")),
            )
        elif op == "schedule":
            services.joint_action_schedule(
                case=case,
                user=request.user,
                starts_at=_when(data.get("starts_at")),
                place=data.get("place", ""),
            )
        elif op == "share":
            services.joint_case_share_sections(
                case=case, user=request.user, sections=data.getlist("sections")
            )
        elif op == "close":
            services.joint_case_close(
                case=case, user=request.user, note=data.get("note", "")
            )
        else:
            raise Http404
    except ApplicationError as error:
        _error(request, error)
    return redirect(case)


@login_required
@require_POST
def action_act(request, pk: int):
    action = get_object_or_404(selectors.joint_action_list(user=request.user), pk=pk)
    data, op = request.POST, request.POST.get("op")
    try:
        if op == "findings":
            services.joint_action_record_findings(
                action=action, user=request.user, findings=data.get("findings", "")
            )
        elif op == "sign":
            services.joint_action_sign(action=action, user=request.user)
        elif op == "co_sign":
            services.joint_action_co_sign(action=action, user=request.user)
        elif op == "measure":
            services.joint_measure_create(
                action=action,
                user=request.user,
                kind=data.get("kind", ""),
                issuing_agency=data.get("issuing_agency") or None,
                summary=data.get("summary", ""),
                attendees=[
                    line.strip()
                    for line in data.get("attendees", "").splitlines()
                    if line.strip()
                ],
                minutes=data.get("minutes", ""),
                halt_scope=data.get("halt_scope", ""),
                halt_from=_day(data.get("halt_from")),
                halt_until=_day(data.get("halt_until")),
                deadline=_day(data.get("deadline")),
                referred_to=data.get("referred_to", ""),
            )
        else:
            raise Http404
    except ApplicationError as error:
        _error(request, error)
    if data.get("next") == "mobile":
        return redirect("joint:action-mobile", pk=action.pk)
    return redirect(action.case)


@login_required
@require_POST
def measure_act(request, pk: int):
    measure = get_object_or_404(selectors.joint_measure_list(user=request.user), pk=pk)
    op = request.POST.get("op")
    try:
        if op == "sign":
            services.joint_measure_sign(measure=measure, user=request.user)
        elif op == "co_sign":
            services.joint_measure_co_sign(measure=measure, user=request.user)
        elif op == "verify":
            services.joint_measure_verify(
                measure=measure, user=request.user, note=request.POST.get("note", "")
            )
        elif op == "amend":
            services.joint_measure_amend(
                measure=measure,
                user=request.user,
                deadline=_day(request.POST.get("deadline")) or measure.deadline,
                summary=request.POST.get("summary") or measure.summary,
            )
        else:
            raise Http404
    except ApplicationError as error:
        _error(request, error)
    return redirect(measure.case)


@login_required
@require_POST
def recheck_act(request, pk: int):
    recheck = get_object_or_404(selectors.joint_recheck_list(user=request.user), pk=pk)
    try:
        services.joint_recheck_record(
            recheck=recheck,
            user=request.user,
            passed=request.POST.get("passed") == "yes",
            outcome=request.POST.get("outcome", ""),
        )
    except ApplicationError as error:
        _error(request, error)
    return redirect(recheck.case)


@login_required
def invitation_detail(request, pk: int):
    invitation = get_object_or_404(
        selectors.joint_invitation_list(user=request.user), pk=pk
    )
    scope = user_scope(user=request.user)
    return render(
        request,
        "enforcement/joint_invitation_detail.html",
        {
            "invitation": invitation,
            "is_invitee": scope.is_superuser
            or invitation.agency_id in scope.agency_ids,
            "is_lead": is_lead_side(user=request.user, case=invitation.case),
            "is_leader": scope.is_superuser
            or (
                "bureau_admin" in scope.roles
                and invitation.case.lead_agency.district_id in scope.district_ids
            ),
            "can_open_case": JointCase.objects.for_user(request.user)
            .filter(pk=invitation.case_id)
            .exists(),
        },
    )


@login_required
@require_POST
def invitation_act(request, pk: int):
    invitation = get_object_or_404(
        selectors.joint_invitation_list(user=request.user), pk=pk
    )
    data, op = request.POST, request.POST.get("op")
    try:
        if op in ("accept", "decline", "propose"):
            services.joint_invitation_answer(
                invitation=invitation,
                user=request.user,
                answer=op,
                reason=data.get("reason", ""),
                proposed_start=_when(data.get("proposed_start")),
                note=data.get("note", ""),
            )
        elif op in ("approve", "refuse"):
            services.joint_invitation_approve(
                invitation=invitation,
                user=request.user,
                approve=op == "approve",
                reason=data.get("reason", ""),
            )
        elif op in ("agree", "withdraw"):
            services.joint_invitation_settle_time(
                invitation=invitation, user=request.user, agree=op == "agree"
            )
        else:
            raise Http404
    except ApplicationError as error:
        _error(request, error)
    else:
        if op == "accept":
            return redirect(invitation.case)
    return redirect("joint:invitation-detail", pk=invitation.pk)


@login_required
def calendar(request):
    try:
        month = date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    data = selectors.joint_calendar(user=request.user, month=month)
    first = data["first"]
    weeks, week = [], [None] * first.weekday()
    day = first
    while day < data["next"]:
        week.append((day, data["by_day"].get(day, [])))
        if len(week) == 7:
            weeks.append(week)
            week = []
        day = date.fromordinal(day.toordinal() + 1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    previous = date.fromordinal(first.toordinal() - 1).replace(day=1)
    return render(
        request,
        "enforcement/joint_calendar.html",
        {
            "month": first,
            "weeks": weeks,
            "previous": previous,
            "next": data["next"],
            "today": timezone.localdate(),
            "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
        },
    )


@login_required
def action_mobile(request, pk: int):
    """Phone layout: GPS check-in and evidence photos for one joint action."""
    action = get_object_or_404(
        selectors.joint_action_list(user=request.user).prefetch_related(
            "participants__agency", "participants__user"
        ),
        pk=pk,
    )
    return render(
        request,
        "enforcement/joint_action_mobile.html",
        {
            "action": action,
            "case": action.case,
            "checked_in": next(
                (p for p in action.participants.all() if p.user_id == request.user.pk),
                None,
            ),
            "evidence": action.evidence.select_related("agency").order_by(
                "uploaded_at"
            ),
        },
    )


@login_required
def evidence_download(request, pk: int):
    evidence = get_object_or_404(
        selectors.joint_evidence_list(user=request.user), pk=pk
    )
    return download_response(
        name=evidence.file.name,
        content_type=evidence.content_type,
        filename=evidence.original_name or "evidence",
        inline=evidence.content_type.startswith("image/"),
    )
