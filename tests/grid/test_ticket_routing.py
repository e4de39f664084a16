"""Intake and routing: point -> grid cell -> on-duty officer by open load, then the
street queue, then the district queue. Bad input is refused and nothing stored."""

import re

import pytest

from core.errors import InvalidInput
from grid.models import Membership, Ticket, TicketTransition
from grid.services import TicketIntake, ticket_open, tickets_open_many
from tests.grid.conftest import IN_CELL_A, IN_CELL_B

pytestmark = pytest.mark.django_db


def test_a_complaint_lands_on_the_officer_of_its_cell(world, officer_a, officer_b):
    ticket = ticket_open(
        category="cooking_fume",
        source="citizen_web",
        description="油烟直排",
        lon=IN_CELL_B[0],
        lat=IN_CELL_B[1],
    )
    assert ticket.grid_cell == world.cell_b
    assert ticket.street == world.street_b
    assert ticket.assignee == officer_b
    assert ticket.status == Ticket.Status.DISPATCHED
    assert ticket.stage_deadline is not None
    actions = list(ticket.transitions.values_list("action", flat=True))
    assert actions == ["report", "register", "dispatch"]


def test_an_officer_named_on_the_cell_goes_before_street_wide_officers(
    world, officer_a, django_user_model
):
    cell_officer = django_user_model.objects.create_user("cell_officer")
    Membership.objects.create(
        user=cell_officer, agency=world.office_a, role="street_officer"
    ).cells.add(world.cell_a)
    for _ in range(3):
        assert (
            ticket_open(
                category="noise",
                source="hotline",
                description="噪声",
                lon=IN_CELL_A[0],
                lat=IN_CELL_A[1],
            ).assignee
            == cell_officer
        )


def test_officers_of_a_cell_take_turns_by_open_load(world, officer_a, officer_a2):
    items = [
        TicketIntake(
            category="dust",
            source="patrol",
            description=f"扬尘 {n}",
            lon=IN_CELL_A[0],
            lat=IN_CELL_A[1],
        )
        for n in range(6)
    ]
    tickets = tickets_open_many(items=items)
    assignees = [t.assignee_id for t in tickets]
    assert assignees.count(officer_a.pk) == 3
    assert assignees.count(officer_a2.pk) == 3
    # The next one goes to whoever then holds fewer open tickets.
    Ticket.objects.filter(pk=tickets[0].pk).update(status=Ticket.Status.CLOSED)
    freed = tickets[0].assignee_id
    assert (
        ticket_open(
            category="dust",
            source="patrol",
            description="扬尘",
            lon=IN_CELL_A[0],
            lat=IN_CELL_A[1],
        ).assignee_id
        == freed
    )


def test_no_officer_on_duty_sends_the_ticket_to_the_street_queue(world, officer_a):
    Membership.objects.filter(user=officer_a).update(on_duty=False)
    ticket = ticket_open(
        category="odour",
        source="citizen_web",
        description="异味",
        lon=IN_CELL_A[0],
        lat=IN_CELL_A[1],
    )
    assert ticket.assignee is None
    assert ticket.status == Ticket.Status.REGISTERED
    assert ticket.queue == Ticket.Queue.STREET


def test_a_street_without_any_staff_sends_the_ticket_to_the_district_queue(world):
    ticket = ticket_open(
        category="odour",
        source="citizen_web",
        description="异味",
        lon=IN_CELL_A[0],
        lat=IN_CELL_A[1],
    )
    assert (ticket.queue, ticket.status) == (
        Ticket.Queue.DISTRICT,
        Ticket.Status.REGISTERED,
    )


def test_ticket_open_takes_an_enterprise_and_origin(world, officer_a):
    ticket = ticket_open(
        category="cooking_fume",
        source="monitoring_alert",
        description="油烟在线监测超标",
        lon=world.enterprise_x.lon,
        lat=world.enterprise_x.lat,
        enterprise=world.enterprise_x,
        origin="monitoring.alarm:123",
    )
    assert ticket.enterprise == world.enterprise_x
    assert ticket.origin == "monitoring.alarm:123"
    assert re.fullmatch(r"\d{6}-[0-9A-Y]{4}-[0-9A-Y]{4}", ticket.reference)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lon": 120.0, "lat": 30.0}, "location"),
        ({"category": "smog"}, "category"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"source": "fax"}, "source"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(world, officer_a, change, field):
    arguments = {
        "category": "noise",
        "source": "citizen_web",
        "description": "噪声",
        "lon": IN_CELL_A[0],
        "lat": IN_CELL_A[1],
        **change,
    }
    with pytest.raises(InvalidInput) as error:
        ticket_open(**arguments)
    assert field in error.value.fields
    assert Ticket.objects.count() == 0
    assert TicketTransition.objects.count() == 0


def test_one_bad_item_refuses_the_whole_batch_naming_it(world, officer_a):
    items = [
        TicketIntake("noise", "hotline", "噪声", *IN_CELL_A),
        TicketIntake("noise", "hotline", "噪声", 100.0, 20.0),
    ]
    with pytest.raises(InvalidInput) as error:
        tickets_open_many(items=items)
    assert error.value.fields["items"] == [
        {
            "item": 1,
            "field": "location",
            "message": error.value.fields["items"][0]["message"],
        }
    ]
    assert Ticket.objects.count() == 0


def test_manual_redispatch_by_staff_is_logged(
    api, world, officer_a, officer_a2, bureau_officer
):
    ticket = ticket_open(
        category="noise",
        source="hotline",
        description="噪声",
        lon=IN_CELL_A[0],
        lat=IN_CELL_A[1],
    )
    other = officer_a2 if ticket.assignee == officer_a else officer_a
    response = api(bureau_officer).post(
        f"/api/v1/grid/tickets/{ticket.pk}/dispatch/",
        {"assignee": other.pk, "note": "熟悉该片区"},
    )
    assert response.status_code == 200, response.data
    assert response.data["assignee"] == other.pk
    last = response.data["transitions"][-1]
    assert (last["action"], last["note"]) == ("redispatch", "熟悉该片区")


def test_dispatch_to_an_officer_of_another_street_is_refused(
    api, world, officer_a, officer_b, bureau_officer
):
    ticket = ticket_open(
        category="noise",
        source="hotline",
        description="噪声",
        lon=IN_CELL_A[0],
        lat=IN_CELL_A[1],
    )
    response = api(bureau_officer).post(
        f"/api/v1/grid/tickets/{ticket.pk}/dispatch/", {"assignee": officer_b.pk}
    )
    assert response.status_code == 400
    assert "assignee" in response.data["fields"]


@pytest.mark.postgres
def test_a_large_batch_is_written_with_copy_and_keeps_every_link(
    world, officer_a, officer_b
):
    items = [
        TicketIntake(
            category="noise",
            source="hotline",
            description=f"噪声 {n}",
            lon=(IN_CELL_A if n % 2 else IN_CELL_B)[0],
            lat=IN_CELL_A[1],
        )
        for n in range(120)
    ]
    tickets = tickets_open_many(items=items)
    stored = Ticket.objects.in_bulk([t.pk for t in tickets])
    assert len(stored) == 120
    assert all(stored[t.pk].reference == t.reference for t in tickets)
    assert TicketTransition.objects.filter(ticket__in=tickets).count() == 360
    assert Ticket.objects.filter(assignee=officer_a).count() == 60
    assert stored[tickets[0].pk].created_at is not None
