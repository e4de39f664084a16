"""The ledger review page (台账审核): bureau staff see the flagged entries of a
window of days and validate or invalidate them in bulk with a reason."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from grid.selectors import user_scope
from hazwaste import selectors, services
from hazwaste.forms import LedgerReviewWindowForm
from hazwaste.models import LedgerEntry

REASON_LABELS = {
    "far_above_usual": gettext_lazy("far above the producer's usual quantity"),
    "above_plan": gettext_lazy("more than the management plan's whole year"),
    "negative_stock": gettext_lazy("more sent out than generated"),
    "future": gettext_lazy("dated in the future"),
    "late": gettext_lazy("recorded over 30 days late"),
}
DEFAULT_DAYS = 30


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _errors(request, error: ApplicationError) -> None:
    messages.error(request, str(error.detail))
    for problems in error.fields.values():
        for problem in problems:
            messages.error(request, problem)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_review(request):
    """The queue of a window of days (the last 30 by default, at most 92)."""
    if not user_scope(user=request.user).is_bureau:
        raise PermissionDenied
    today = timezone.localdate()
    first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
    window = LedgerReviewWindowForm(
        request.GET or None, initial={"start": first, "end": last}
    )
    if window.is_bound and window.is_valid():
        first, last = window.cleaned_data["start"], window.cleaned_data["end"]
    rows: list[dict] = []
    try:
        rows = selectors.ledger_review_queue(
            user=request.user,
            start=_day_start(first),
            end=_day_start(last + timedelta(days=1)),
        )
    except ApplicationError as error:
        add_application_error(window, error)
    if request.method == "POST":
        chosen = (
            [row["id"] for row in rows]
            if request.POST.get("all")
            else request.POST.getlist("entry")
        )
        try:
            decision = services.ledger_entries_decide(
                user=request.user,
                entries=chosen,
                state=request.POST.get("state", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as error:
            _errors(request, error)
        else:
            messages.success(
                request,
                _(
                    "%(count)s ledger entries marked “%(state)s”; the anomaly "
                    "scan follows."
                )
                % {"count": decision.count, "state": decision.get_state_display()},
            )
            return redirect(request.get_full_path())
    for row in rows:
        row["reason_labels"] = [REASON_LABELS.get(r, r) for r in row["reasons"]]
        row["kind_label"] = LedgerEntry.Kind(row["kind"]).label
    return render(
        request,
        "hazwaste/ledger_review.html",
        {
            "window": window,
            "rows": rows,
            "decisions": selectors.ledger_review_decision_list(user=request.user)[:10],
        },
    )
