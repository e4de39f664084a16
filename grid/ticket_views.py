"""Bureau pages for tickets: list with filters, map by age, detail with the full
history and the staff actions, the dispatch board, hotline entry, evidence files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from grid import selectors, services
from grid.filters import TicketFilter
from grid.forms import HotlineTicketForm
from grid.models import Ticket


def _require_staff(request) -> None:
    if not selectors.user_scope(user=request.user).is_staff_member:
        raise DjangoPermissionDenied


@login_required
def ticket_list(request):
    _require_staff(request)
    queryset = selectors.ticket_list(user=request.user)
    filterset = TicketFilter(request.GET or None, queryset=queryset, request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "grid/ticket_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def ticket_map(request):
    _require_staff(request)
    return render(
        request,
        "grid/ticket_map.html",
        {"streets": selectors.street_list(user=request.user)},
    )


@login_required
def ticket_board(request):
    _require_staff(request)
    return render(
        request,
        "grid/ticket_board.html",
        {"board": selectors.ticket_dispatch_board(user=request.user)},
    )


@login_required
def ticket_detail(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    scope = selectors.user_scope(user=request.user)
    duplicates = []
    if scope.is_staff_member and ticket.is_open:
        duplicates = selectors.ticket_duplicate_candidates(
            category_id=ticket.category_id,
            lon=ticket.lon,
            lat=ticket.lat,
            at=ticket.reported_at,
            exclude_id=ticket.pk,
            user=request.user,
        )
    return render(
        request,
        "grid/ticket_detail.html",
        {
            "ticket": ticket,
            "history": selectors.ticket_history(ticket=ticket),
            "duplicates": duplicates,
            "show_contact": selectors.ticket_can_see_contact(user=request.user),
            "is_staff": scope.is_staff_member,
            "officers": selectors.ticket_assignable_officers(ticket=ticket)
            if scope.is_staff_member
            else [],
            "absorbed": ticket.duplicates.all(),
        },
    )


def _act(request, ticket: Ticket, step: str):
    """Call the service for one staff step with the form's fields."""
    post = request.POST
    common = {"ticket": ticket, "user": request.user}
    if step == "dispatch":
        assignee = get_user_model().objects.filter(pk=post.get("assignee") or 0).first()
        if assignee is None:
            raise ApplicationError(_("Choose an officer."), code="invalid")
        return services.ticket_dispatch(
            **common, assignee=assignee, note=post.get("note", "")
        )
    if step == "verify":
        return services.ticket_verify(
            **common, passed=post.get("passed") == "1", note=post.get("note", "")
        )
    if step == "close":
        return services.ticket_close(
            **common,
            note=post.get("note", ""),
            violation_confirmed=post.get("violation_confirmed") == "1",
        )
    if step == "reject":
        return services.ticket_reject(**common, reason=post.get("reason", ""))
    if step == "reopen":
        return services.ticket_reopen(**common, note=post.get("note", ""))
    if step == "extension":
        return services.ticket_decide_extension(
            **common, grant=post.get("grant") == "1", note=post.get("note", "")
        )
    if step == "merge":
        original = selectors.ticket_get(user=request.user, pk=post.get("original") or 0)
        return services.ticket_merge(
            duplicate=ticket,
            original=original,
            user=request.user,
            note=post.get("note", ""),
        )
    if step == "accept":
        return services.ticket_accept(**common)
    raise ApplicationError(_("Unknown step."), code="invalid")


@login_required
@require_POST
def ticket_act(request, pk: int, step: str):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    try:
        _act(request, ticket, step)
    except ApplicationError as error:
        problems = [str(m) for msgs in error.fields.values() for m in msgs]
        messages.error(request, "; ".join(problems) or str(error.detail))
    else:
        messages.success(request, _("Saved."))
    return redirect("grid:ticket-detail", pk=ticket.pk)


@login_required
def ticket_new(request):
    """Staff enter a hotline call (12345/12369) or a patrol finding."""
    _require_staff(request)
    form = HotlineTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                category=data["category"].code,
                source=data["source"],
                description=data["description"],
                lon=data["lon"],
                lat=data["lat"],
                address=data["address"],
                reporter_contact=data["reporter_contact"],
                origin=f"staff:{request.user.username}",
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("Ticket %(reference)s opened.") % {"reference": ticket.reference},
            )
            if selectors.ticket_list(user=request.user).filter(pk=ticket.pk).exists():
                return redirect("grid:ticket-detail", pk=ticket.pk)
            return redirect("grid:ticket-list")
    return render(request, "grid/ticket_new.html", {"form": form})


@login_required
def ticket_attachment(request, pk: int, attachment_id: int):
    """An evidence file, for those who may see its ticket."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type
    )
    response["Content-Disposition"] = (
        f'inline; filename="{ticket.reference}-{attachment.pk}{attachment.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
