"""Bureau pages (cycles, review, appeals, repairs, replies, night work) and
enterprise pages (self-assessment, appeal, reply, repair, night work)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.uploads import stored_file_response
from credit import forms, selectors, services, stickers
from credit.models import (
    Appeal,
    Colour,
    Cycle,
    NightWorkApplication,
    Objection,
    RepairRequest,
    ReplyStatement,
)
from credit.views._helpers import (
    authority_name,
    public_url,
    require_bureau_page,
    run_service,
)
from enforcement import selectors as enforcement_selectors
from grid.selectors import user_scope


def _scope(request):
    return user_scope(user=request.user)


# ----------------------------------------------------------------------- cycles


@login_required
@require_http_methods(["GET", "POST"])
def cycle_list(request):
    scope = _scope(request)
    if not scope.is_staff_member:
        return redirect("credit:my-credit")
    form = None
    if scope.is_bureau:
        form = forms.CycleOpenForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            cycle = run_service(
                request,
                form,
                lambda: services.cycle_open(
                    user=request.user,
                    scheme=data["scheme"],
                    district=data["district"],
                    streets=list(data["streets"]),
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    self_assessment_due=data["self_assessment_due"],
                    notice_days=data["notice_days"],
                ),
            )
            if cycle is not None:
                messages.success(request, _("Cycle opened."))
                return redirect(cycle)
    return render(
        request,
        "credit/cycle_list.html",
        {
            "cycles": selectors.cycle_list(user=request.user)[:100],
            "form": form,
            "counts": selectors.colour_counts(user=request.user),
        },
    )


@login_required
def cycle_detail(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    filters = {k: v for k, v in request.GET.items() if k != "page"}
    evaluations = selectors.evaluation_list(
        user=request.user, filters={**filters, "cycle": cycle.pk}
    )
    page = Paginator(evaluations, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credit/cycle_detail.html",
        {
            "cycle": cycle,
            "counts": selectors.cycle_colour_counts(cycle=cycle),
            "page": page,
            "query": query.urlencode(),
            "filters": filters,
            "colours": Colour.choices,
            "is_bureau": _scope(request).is_bureau,
            "open_objections": Objection.objects.filter(
                evaluation__cycle=cycle, state=Objection.State.OPEN
            ).count(),
            "now": timezone.now(),
        },
    )


CYCLE_ACTIONS = {
    "close": services.cycle_close_self_assessment,
    "notice": services.cycle_start_notice,
    "publish": services.cycle_publish,
}


@login_required
@require_POST
def cycle_action(request, pk: int, action: str):
    require_bureau_page(request)
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    service = CYCLE_ACTIONS.get(action)
    if service is None:
        raise Http404
    if run_service(request, None, lambda: service(cycle=cycle, user=request.user)):
        messages.success(request, _("Done."))
    return redirect(cycle)


# ------------------------------------------------------------------- evaluations


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_detail(request, pk: int):
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    scope = _scope(request)
    adjust_form = forms.AdjustForm(
        request.POST if "adjust" in request.POST else None,
        initial={"colour": evaluation.proposed_colour},
    )
    objection_form = forms.ObjectionForm(
        request.POST if "object" in request.POST else None
    )
    if request.method == "POST":
        result = None
        if "adjust" in request.POST and adjust_form.is_valid():
            result = run_service(
                request,
                adjust_form,
                lambda: services.evaluation_adjust(
                    evaluation=evaluation, user=request.user, **adjust_form.cleaned_data
                ),
            )
        elif "object" in request.POST and objection_form.is_valid():
            result = run_service(
                request,
                objection_form,
                lambda: services.objection_file(
                    evaluation=evaluation,
                    user=request.user,
                    text=objection_form.cleaned_data["text"],
                ),
            )
        elif "resolve" in request.POST:
            objection = get_object_or_404(
                evaluation.objections.all(), pk=request.POST.get("objection")
            )
            resolve = forms.ObjectionResolveForm(request.POST)
            if resolve.is_valid():
                result = run_service(
                    request,
                    None,
                    lambda: services.objection_resolve(
                        objection=objection,
                        user=request.user,
                        **resolve.cleaned_data,
                    ),
                )
        if result is not None:
            messages.success(request, _("Saved."))
            return redirect(evaluation)
    answers = {a.item_id: a for a in evaluation.answers.all()}
    return render(
        request,
        "credit/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "cycle": evaluation.cycle,
            "items": [
                (item, answers.get(item.pk))
                for item in evaluation.cycle.scheme.items.all()
            ],
            "rule": evaluation.cycle.scheme.rule,
            "objections": evaluation.objections.select_related("filed_by"),
            "adjust_form": adjust_form,
            "objection_form": objection_form,
            "resolve_form": forms.ObjectionResolveForm(),
            "is_bureau": scope.is_bureau,
            "events": selectors.credit_event_list(
                user=request.user, enterprise=evaluation.enterprise
            ).filter(cycle=evaluation.cycle)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request, pk: int):
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    items = list(evaluation.cycle.scheme.items.all())
    existing = {a.item_id: a for a in evaluation.answers.all()}
    initial = {}
    for item in items:
        if item.pk in existing:
            initial[f"value_{item.code}"] = existing[item.pk].value
            initial[f"note_{item.code}"] = existing[item.pk].note
    form = forms.SelfAssessmentForm(
        request.POST or None, request.FILES or None, items=items, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        result = run_service(
            request,
            form,
            lambda: services.evaluation_self_assess(
                evaluation=evaluation, user=request.user, answers=form.answers()
            ),
        )
        if result is not None:
            messages.success(
                request,
                _("Self-assessment submitted. Preliminary colour: %(colour)s.")
                % {"colour": result.get_preliminary_colour_display()},
            )
            return redirect(result)
    rows = [
        (
            item,
            form[f"value_{item.code}"],
            form[f"note_{item.code}"],
            form[f"evidence_{item.code}"],
            existing.get(item.pk),
        )
        for item in items
    ]
    return render(
        request,
        "credit/self_assessment.html",
        {
            "evaluation": evaluation,
            "form": form,
            "rows": rows,
            "rule": evaluation.cycle.scheme.rule,
        },
    )


# -------------------------------------------------------- an enterprise's credit


@login_required
def my_credit(request):
    enterprises = list(selectors.enterprises_of_user(user=request.user))
    if len(enterprises) == 1:
        return redirect("credit:enterprise-credit", pk=enterprises[0].pk)
    return render(request, "credit/my_credit.html", {"enterprises": enterprises})


@login_required
def enterprise_credit(request, pk: int):
    enterprise = enforcement_selectors.enterprise_get(user=request.user, pk=pk)
    code = selectors.current_code(enterprise=enterprise)
    return render(
        request,
        "credit/enterprise_credit.html",
        {
            "enterprise": enterprise,
            "code": code,
            "sticker": selectors.current_sticker(enterprise=enterprise),
            "evaluations": selectors.evaluation_list(user=request.user)
            .filter(enterprise=enterprise)
            .order_by("-cycle__period_start")[:12],
            "appeals": selectors.appeal_list(user=request.user).filter(
                enterprise=enterprise
            )[:10],
            "repairs": selectors.repair_list(user=request.user).filter(
                enterprise=enterprise
            )[:10],
            "replies": selectors.reply_list(user=request.user).filter(
                enterprise=enterprise
            )[:5],
            "night_work": selectors.night_work_list(user=request.user).filter(
                enterprise=enterprise
            )[:10],
            "events": selectors.credit_event_list(
                user=request.user, enterprise=enterprise
            )[:30],
            "is_bureau": _scope(request).is_bureau,
            "is_site": enterprise.sector == "construction_site",
            "appeal_deadline": services.due_process.appeal_deadline(code)
            if code
            else None,
        },
    )


def _enterprise_form_page(request, pk, form_class, template, call, success):
    enterprise = enforcement_selectors.enterprise_get(user=request.user, pk=pk)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = run_service(request, form, lambda: call(enterprise, form.cleaned_data))
        if result is not None:
            messages.success(request, success(result))
            return redirect("credit:enterprise-credit", pk=enterprise.pk)
    return render(request, template, {"enterprise": enterprise, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request, pk: int):
    return _enterprise_form_page(
        request,
        pk,
        forms.AppealForm,
        "credit/appeal_form.html",
        lambda enterprise, data: services.appeal_file(
            enterprise=enterprise,
            user=request.user,
            reason=data["reason"],
            evidence=data.get("evidence"),
        ),
        lambda appeal: _("Appeal filed; the public page shows it as under appeal."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_new(request, pk: int):
    return _enterprise_form_page(
        request,
        pk,
        forms.ReplyForm,
        "credit/reply_form.html",
        lambda enterprise, data: services.reply_submit(
            enterprise=enterprise, user=request.user, text=data["text"]
        ),
        lambda reply: _("Statement submitted for moderation."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def repair_new(request, pk: int):
    return _enterprise_form_page(
        request,
        pk,
        forms.RepairForm,
        "credit/repair_form.html",
        lambda enterprise, data: services.repair_request(
            enterprise=enterprise,
            user=request.user,
            corrective_actions=data["corrective_actions"],
            evidence=data["evidence"],
        ),
        lambda repair: _("Repair request filed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def night_work_new(request, pk: int):
    return _enterprise_form_page(
        request,
        pk,
        forms.NightWorkForm,
        "credit/night_work_form.html",
        lambda enterprise, data: services.night_work_apply(
            enterprise=enterprise, user=request.user, **data
        ),
        lambda application: (
            _("Night-work application: %(state)s. %(reason)s")
            % {"state": application.get_state_display(), "reason": application.reason}
        ),
    )


# --------------------------------------------------------------------- stickers


def _sticker_content(request, enterprise):
    sticker = selectors.current_sticker(enterprise=enterprise)
    if sticker is None:
        raise Http404
    code = sticker.code
    return stickers.StickerContent(
        url=public_url(request, sticker.token),
        name=enterprise.name,
        colour=code.colour,
        valid_until=code.valid_until,
        issued_on=timezone.localdate(sticker.issued_at),
        hotline=settings.COMPLAINT_HOTLINE,
        authority=authority_name(enterprise),
    )


@login_required
def sticker_svg(request, pk: int):
    enterprise = enforcement_selectors.enterprise_get(user=request.user, pk=pk)
    return HttpResponse(
        stickers.sticker_svg(_sticker_content(request, enterprise)),
        content_type="image/svg+xml; charset=utf-8",
    )


@login_required
def sticker_pdf(request, pk: int):
    enterprise = enforcement_selectors.enterprise_get(user=request.user, pk=pk)
    response = HttpResponse(
        stickers.sticker_pdf(_sticker_content(request, enterprise)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="sticker-{enterprise.pk}.pdf"'
    return response


@login_required
@require_POST
def sticker_reissue(request, pk: int):
    require_bureau_page(request)
    enterprise = enforcement_selectors.enterprise_get(user=request.user, pk=pk)
    if run_service(
        request,
        None,
        lambda: services.sticker_reissue(
            enterprise=enterprise,
            user=request.user,
            reason=request.POST.get("reason", ""),
        ),
    ):
        messages.success(request, _("New sticker issued; the old one is outdated."))
    return redirect("credit:enterprise-credit", pk=enterprise.pk)


# ------------------------------------------------------------ bureau work queues


def _queue(request, queryset, template, extra=None):
    require_bureau_page(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, **(extra or {})})


@login_required
def appeal_list(request):
    state = request.GET.get("state", Appeal.State.SUBMITTED)
    queryset = selectors.appeal_list(user=request.user)
    if state in Appeal.State.values:
        queryset = queryset.filter(state=state)
    return _queue(
        request,
        queryset,
        "credit/appeal_list.html",
        {"state": state, "states": Appeal.State.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request, pk: int):
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST":
        require_bureau_page(request)
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                form,
                lambda: services.appeal_decide(
                    appeal=appeal,
                    user=request.user,
                    upheld=data["decision"] == "yes",
                    reason=data["reason"],
                    new_colour=data["new_colour"],
                ),
            ):
                messages.success(request, _("Appeal decided."))
                return redirect(appeal)
    return render(
        request,
        "credit/appeal_detail.html",
        {"appeal": appeal, "form": form, "is_bureau": _scope(request).is_bureau},
    )


@login_required
def repair_list(request):
    queryset = selectors.repair_list(user=request.user).filter(
        state__in=[RepairRequest.State.SUBMITTED, RepairRequest.State.VERIFYING]
    )
    return _queue(request, queryset, "credit/repair_list.html")


@login_required
@require_http_methods(["GET", "POST"])
def repair_detail(request, pk: int):
    repair = selectors.repair_get(user=request.user, pk=pk)
    schedule_form = forms.RepairScheduleForm(
        request.POST if "schedule" in request.POST else None
    )
    verify_form = forms.DecisionForm(request.POST if "verify" in request.POST else None)
    if request.method == "POST":
        require_bureau_page(request)
        result = None
        if "schedule" in request.POST and schedule_form.is_valid():
            result = run_service(
                request,
                schedule_form,
                lambda: services.repair_schedule_inspection(
                    repair=repair,
                    user=request.user,
                    inspection_due=schedule_form.cleaned_data["inspection_due"],
                ),
            )
        elif "verify" in request.POST and verify_form.is_valid():
            data = verify_form.cleaned_data
            result = run_service(
                request,
                verify_form,
                lambda: services.repair_verify(
                    repair=repair,
                    user=request.user,
                    passed=data["decision"] == "yes",
                    findings=data["reason"],
                    new_colour=data["new_colour"],
                ),
            )
        if result is not None:
            messages.success(request, _("Saved."))
            return redirect(repair)
    return render(
        request,
        "credit/repair_detail.html",
        {
            "repair": repair,
            "schedule_form": schedule_form,
            "verify_form": verify_form,
            "is_bureau": _scope(request).is_bureau,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_list(request):
    require_bureau_page(request)
    if request.method == "POST":
        reply = get_object_or_404(
            selectors.reply_list(user=request.user), pk=request.POST.get("reply")
        )
        if run_service(
            request,
            None,
            lambda: services.reply_moderate(
                reply=reply,
                user=request.user,
                approve=request.POST.get("approve") == "yes",
                reason=request.POST.get("reason", ""),
            ),
        ):
            messages.success(request, _("Saved."))
        return redirect("credit:reply-list")
    queryset = selectors.reply_list(user=request.user).filter(
        state=ReplyStatement.State.SUBMITTED
    )
    return _queue(request, queryset, "credit/reply_list.html")


@login_required
@require_http_methods(["GET", "POST"])
def night_work_list(request):
    require_bureau_page(request)
    if request.method == "POST":
        application = get_object_or_404(
            selectors.night_work_list(user=request.user),
            pk=request.POST.get("application"),
        )
        if run_service(
            request,
            None,
            lambda: services.night_work_decide(
                application=application,
                user=request.user,
                approve=request.POST.get("approve") == "yes",
                reason=request.POST.get("reason", ""),
            ),
        ):
            messages.success(request, _("Saved."))
        return redirect("credit:night-work-list")
    queryset = (
        selectors.night_work_list(user=request.user)
        .filter(state=NightWorkApplication.State.QUEUED)
        .order_by("review_due")
    )
    return _queue(request, queryset, "credit/night_work_list.html")


def cycle_states():
    return Cycle.State.choices


# Evidence files are served only through these views, which check the record
# the file belongs to is the user's to see.


@login_required
def answer_evidence(request, pk: int, answer_id: int):
    evaluation = selectors.evaluation_get(user=request.user, pk=pk)
    answer = get_object_or_404(evaluation.answers.exclude(evidence=""), pk=answer_id)
    return stored_file_response(answer.evidence)


@login_required
def appeal_evidence(request, pk: int):
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    if not appeal.evidence:
        raise Http404
    return stored_file_response(appeal.evidence)


@login_required
def repair_evidence(request, pk: int):
    return stored_file_response(selectors.repair_get(user=request.user, pk=pk).evidence)
