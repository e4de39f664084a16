"""Bureau and phone pages render for the people who use them."""

import pytest

from grid.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_tickets(world, officer_a, officer_b, open_ticket):
    from tests.grid.conftest import IN_CELL_B

    return [open_ticket(), open_ticket(category="noise"), open_ticket(point=IN_CELL_B)]


@pytest.mark.parametrize(
    "path",
    [
        "/grid/tickets/",
        "/grid/tickets/map/",
        "/grid/tickets/board/",
        "/grid/tickets/new/",
        "/grid/tickets/?status=dispatched&overdue=false&q=油烟",
    ],
)
def test_bureau_pages_render(client, some_tickets, bureau_officer, path):
    client.force_login(bureau_officer)
    assert client.get(path).status_code == 200


def test_the_list_shows_the_district_and_the_board_each_street(
    client, some_tickets, bureau_officer
):
    client.force_login(bureau_officer)
    page = client.get("/grid/tickets/").content.decode()
    assert all(t.reference in page for t in some_tickets)
    board = client.get("/grid/tickets/board/").content.decode()
    assert "甲街道" in board and "乙街道" in board and "officer_a" in board


def test_the_detail_page_shows_the_full_history(client, some_tickets, bureau_officer):
    client.force_login(bureau_officer)
    page = client.get(f"/grid/tickets/{some_tickets[0].pk}/").content.decode()
    for label in ("已上报", "已立案", "已派遣"):
        assert label in page


def test_staff_dispatch_and_merge_from_the_detail_page(
    client, some_tickets, bureau_officer, officer_a
):
    first, second, _ = some_tickets
    client.force_login(bureau_officer)
    response = client.post(
        f"/grid/tickets/{second.pk}/act/merge/", {"original": first.pk}, follow=True
    )
    assert response.status_code == 200
    assert Ticket.objects.get(pk=second.pk).merged_into == first


def test_the_hotline_form_opens_a_ticket(client, world, officer_a, bureau_officer):
    client.force_login(bureau_officer)
    from grid.models import TicketCategory

    response = client.post(
        "/grid/tickets/new/",
        {
            "category": TicketCategory.objects.get(code="noise").pk,
            "source": "hotline",
            "description": "12345 来电：夜间施工",
            "lon": 121.41,
            "lat": 31.21,
            "address": "",
            "reporter_contact": "12345-0001",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.source, ticket.assignee) == ("hotline", officer_a)


def test_the_phone_pages_render_for_the_officer(client, some_tickets, officer_a):
    client.force_login(officer_a)
    assert "grid/mobile_tickets.js" in client.get("/m/tickets/").content.decode()
    page = client.get(f"/m/tickets/{some_tickets[0].pk}/").content.decode()
    assert 'data-step="accept"' in page
    assert "uri.amap.com/marker" in page
    assert "/m/tickets/" in client.get("/m/").content.decode()


def test_street_officers_and_enterprises_cannot_open_the_bureau_list(
    client, some_tickets, enterprise_user_x
):
    client.force_login(enterprise_user_x)
    assert client.get("/grid/tickets/").status_code == 403
