"""Public pages for citizens (no login): report a problem with a map pin, follow
it by reference number, confirm or contest the closure. No personal data shown."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from grid import selectors, services
from grid.forms import CitizenReportForm, ConfirmForm, ContestForm
from grid.models import Ticket, TicketTransition

# What a citizen may see of the history: the steps, never who or where.
PUBLIC_ACTIONS = {
    TicketTransition.Action.REPORT,
    TicketTransition.Action.REGISTER,
    TicketTransition.Action.DISPATCH,
    TicketTransition.Action.ACCEPT,
    TicketTransition.Action.HANDLE,
    TicketTransition.Action.VERIFY,
    TicketTransition.Action.CLOSE,
    TicketTransition.Action.REJECT,
    TicketTransition.Action.MERGE,
    TicketTransition.Action.REOPEN,
    TicketTransition.Action.CONFIRM,
}


def report(request):
    """The complaint form: category, description, map pin, photo, contact."""
    source = (
        Ticket.Source.CITIZEN_QR
        if request.GET.get("via") == "qr"
        else Ticket.Source.CITIZEN_WEB
    )
    enterprise_id = request.GET.get("enterprise")
    # a QR sticker's link pins the enterprise's location on the map
    pinned = {k: request.GET[k] for k in ("lat", "lon") if k in request.GET}
    form = CitizenReportForm(
        request.POST or None, request.FILES or None, initial=pinned
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket, key = services.ticket_report_by_citizen(
                category=data["category"].code,
                description=data["description"],
                lon=data["lon"],
                lat=data["lat"],
                address=data["address"],
                contact=data["contact"],
                photo=data.get("photo"),
                source=source,
                enterprise_id=int(enterprise_id)
                if (enterprise_id or "").isdigit()
                else None,
                reporter=request.user if request.user.is_authenticated else None,
            )
        except ApplicationError as error:
            for field, problems in error.fields.items():
                target = {"location": None, "file": "photo"}.get(field, field)
                if target is not None and target not in form.fields:
                    target = None
                for problem in problems:
                    form.add_error(target, problem)
        else:
            url = reverse("grid-public:status", args=[ticket.reference])
            return redirect(f"{url}?{urlencode({'key': key, 'new': 1})}")
    return render(
        request,
        "grid/public_report.html",
        {"form": form, "categories": selectors.ticket_category_list()},
        status=400 if form.errors else 200,
    )


def status_lookup(request):
    reference = (request.GET.get("reference") or "").strip().upper()
    if reference:
        return redirect("grid-public:status", reference=reference)
    return render(request, "grid/public_lookup.html")


def status(request, reference: str):
    ticket = selectors.ticket_public_get(reference=reference)
    key = request.GET.get("key") or request.POST.get("key") or ""
    is_reporter = services.ticket_reporter_key_matches(ticket=ticket, key=key)
    followed = ticket.merged_into if ticket.status == Ticket.Status.MERGED else None
    shown = followed or ticket
    steps = [
        step
        for step in selectors.ticket_history(ticket=shown)
        if step.action in PUBLIC_ACTIONS
    ]
    return render(
        request,
        "grid/public_status.html",
        {
            "ticket": ticket,
            "shown": shown,
            "followed": followed,
            "steps": steps,
            "key": key if is_reporter else "",
            "is_new": request.GET.get("new") == "1" and is_reporter,
            "can_respond": is_reporter
            and shown.status == Ticket.Status.CLOSED
            and not shown.reporter_confirmed_at,
            "contest_form": ContestForm(initial={"key": key}),
        },
    )


@require_POST
def respond(request, reference: str, answer: str):
    """The reporter confirms (confirm) or contests (contest = reopened) the
    closure. Only the holder of the status link's key may."""
    if answer not in ("confirm", "contest"):
        raise Http404
    ticket = selectors.ticket_public_get(reference=reference)
    form = (ContestForm if answer == "contest" else ConfirmForm)(request.POST)
    shown = ticket.merged_into if ticket.status == Ticket.Status.MERGED else ticket
    url = reverse("grid-public:status", args=[ticket.reference])
    if not form.is_valid() or not services.ticket_reporter_key_matches(
        ticket=ticket, key=form.cleaned_data.get("key", "")
    ):
        return render(
            request,
            "grid/public_message.html",
            {"message": _("This link does not allow answering for this report.")},
            status=403,
        )
    try:
        if answer == "contest":
            services.ticket_reopen(
                ticket=shown, note=form.cleaned_data["note"], by_reporter=True
            )
        else:
            services.ticket_confirm(ticket=shown)
    except ApplicationError as error:
        return render(
            request,
            "grid/public_message.html",
            {"message": str(error.detail)},
            status=error.status_code,
        )
    return redirect(f"{url}?{urlencode({'key': form.cleaned_data['key']})}")
