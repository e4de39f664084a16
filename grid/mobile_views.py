"""The street officer's phone pages under /m/tickets/: shells that talk to the
REST API (the same endpoints a native app would use)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grid import selectors


@login_required
def my_tickets(request):
    return render(request, "grid/mobile_ticket_list.html")


@login_required
def ticket(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    return render(
        request,
        "grid/mobile_ticket_detail.html",
        {
            "ticket": ticket,
            "history": selectors.ticket_history(ticket=ticket),
            "is_assignee": ticket.assignee_id == request.user.pk,
            "show_contact": selectors.ticket_can_see_contact(user=request.user),
            "can_claim": ticket.assignee_id is None
            and ticket.status == "registered"
            and selectors.user_scope(user=request.user).is_staff_member,
        },
    )
