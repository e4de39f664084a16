"""Overdue tickets escalate cell -> street -> district in working time, with a
frozen clock: a Friday-afternoon ticket is not overdue over the weekend."""

import pytest

from core.models import Notification
from grid.models import Ticket
from grid.services import tickets_escalate_overdue
from tests.grid.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def friday_ticket(world, officer_a, bureau_officer, bureau_admin, open_ticket):
    # Dispatched Friday 13 March 2026 at 16:00; four working hours to accept.
    ticket = open_ticket(category="noise", now=local(2026, 3, 13, 16))
    assert ticket.stage_deadline == local(2026, 3, 16, 12)
    return ticket


def test_nothing_is_overdue_over_the_weekend(friday_ticket):
    for moment in (
        local(2026, 3, 14, 12),
        local(2026, 3, 15, 23),
        local(2026, 3, 16, 11, 59),
    ):
        report = tickets_escalate_overdue(now=moment)
        assert (report.to_street, report.to_district) == (0, 0)
    assert Ticket.objects.get(pk=friday_ticket.pk).overdue_since is None


def test_past_the_deadline_the_ticket_goes_to_the_street_then_the_district(
    friday_ticket, officer_a, bureau_officer, bureau_admin
):
    report = tickets_escalate_overdue(now=local(2026, 3, 16, 12, 5))
    assert report.to_street == 1
    ticket = Ticket.objects.get(pk=friday_ticket.pk)
    assert ticket.overdue_since == local(2026, 3, 16, 12)
    assert ticket.escalation_level == Ticket.Level.STREET
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"officer_a", "bureau_officer"} <= told
    assert "bureau_admin" not in told

    # Running again within the street's four working hours changes nothing.
    assert tickets_escalate_overdue(now=local(2026, 3, 16, 16)).to_district == 0

    report = tickets_escalate_overdue(now=local(2026, 3, 16, 16, 10))
    assert report.to_district == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == Ticket.Level.DISTRICT
    assert Notification.objects.filter(user__username="bureau_admin").exists()
    steps = list(
        ticket.transitions.filter(action="escalate").values_list("note", flat=True)
    )
    assert len(steps) == 2


def test_a_new_stage_starts_a_new_clock(friday_ticket, officer_a, api):
    tickets_escalate_overdue(now=local(2026, 3, 16, 12, 5))
    from grid.services import ticket_accept

    ticket = ticket_accept(
        ticket=friday_ticket, user=officer_a, now=local(2026, 3, 16, 13)
    )
    assert ticket.overdue_since is None
    assert ticket.escalation_level == Ticket.Level.CELL


def test_closed_tickets_never_escalate(friday_ticket):
    Ticket.objects.filter(pk=friday_ticket.pk).update(status="closed")
    assert tickets_escalate_overdue(now=local(2026, 3, 20, 12)).to_street == 0


def test_the_periodic_task_runs_the_sweep(friday_ticket, frozen):
    from grid.tasks import tickets_escalate_overdue as task

    frozen(local(2026, 3, 16, 12, 30))
    assert task.delay().get() == {"to_street": 1, "to_district": 0}


def test_the_beat_schedule_runs_the_sweep(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "grid.tickets_escalate_overdue" in tasks


def test_the_dashboard_shows_overdue_counts_by_street(
    client, friday_ticket, bureau_officer
):
    tickets_escalate_overdue(now=local(2026, 3, 16, 12, 5))
    client.force_login(bureau_officer)
    page = client.get("/").content.decode()
    panel = page[page.index('id="overdue-tickets"') :]
    panel = panel[: panel.index("</section>")]
    row = panel[panel.index("甲街道") :]
    cells = [c.split("<")[0] for c in row.split('<td class="num">')[1:4]]
    assert cells == ["1", "1", "0"]  # open, overdue, at district level
