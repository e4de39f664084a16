"""Public pages: a citizen reports with a pin and a photo, gets a reference
number, follows it, and confirms or contests the closure (contest = reopened)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grid.models import Ticket
from grid.services import ticket_accept, ticket_close, ticket_handle, ticket_verify
from tests.grid.conftest import IN_CELL_A, jpeg

pytestmark = pytest.mark.django_db


def report(client, **fields):
    data = {
        "category": "",
        "description": "楼下餐馆油烟很大",
        "lon": str(IN_CELL_A[0]),
        "lat": str(IN_CELL_A[1]),
        "address": "甲路 1 号",
        "contact": "13900000000",
        **fields,
    }
    return client.post("/report/", {k: v for k, v in data.items() if v is not None})


def fume(db) -> int:
    from grid.models import TicketCategory

    return TicketCategory.objects.get(code="cooking_fume").pk


def test_the_report_page_needs_no_login(client, world):
    page = client.get("/report/")
    assert page.status_code == 200
    assert "leaflet/leaflet.js" in page.content.decode()


def test_a_report_with_a_photo_returns_a_reference_and_reaches_the_officer(
    client, world, officer_a
):
    photo = SimpleUploadedFile("IMG_0001.jpg", jpeg(), "image/jpeg")
    response = report(client, category=fume(None), photo=photo)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.source == "citizen_web"
    assert ticket.assignee == officer_a
    assert ticket.attachments.get().transition.action == "report"
    page = client.get(response["Location"]).content.decode()
    assert ticket.reference in page
    assert "13900000000" not in page


def test_a_report_from_a_qr_page_is_marked_as_such(client, world, officer_a):
    response = client.post(
        f"/report/?via=qr&enterprise={world.enterprise_x.pk}",
        {
            "category": fume(None),
            "description": "油烟",
            "lon": IN_CELL_A[0],
            "lat": IN_CELL_A[1],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.enterprise) == ("citizen_qr", world.enterprise_x)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lon": "120.0", "lat": "30.0"}, "网格"),
        ({"lon": None, "lat": None}, "地图"),
        ({"description": "x" * 4001}, "4000"),
        ({"photo": SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")}, "JPEG"),
    ],
)
def test_bad_reports_say_what_is_wrong_and_store_nothing(
    client, world, officer_a, change, message
):
    response = report(client, category=fume(None), **change)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0


def _closed_ticket(client, world, officer_a, bureau_officer):
    response = report(client, category=fume(None))
    key = re.search(r"key=([\w-]+)", response["Location"]).group(1)
    ticket = Ticket.objects.get()
    ticket_accept(ticket=ticket, user=officer_a)
    ticket_handle(
        ticket=ticket, user=officer_a, note="已整改", inspection_reference="I-9"
    )
    ticket_verify(ticket=ticket, user=bureau_officer, passed=True)
    ticket_close(ticket=ticket, user=bureau_officer)
    return ticket, key


def test_the_reporter_sees_the_closure_and_confirms_it(
    client, world, officer_a, bureau_officer
):
    ticket, key = _closed_ticket(client, world, officer_a, bureau_officer)
    page = client.get(f"/report/status/{ticket.reference}/?key={key}").content.decode()
    assert "已结案" in page and 'id="respond"' in page
    # Without the key the page shows progress but no way to answer.
    assert (
        'id="respond"'
        not in client.get(f"/report/status/{ticket.reference}/").content.decode()
    )
    response = client.post(f"/report/status/{ticket.reference}/confirm/", {"key": key})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.reporter_confirmed_at is not None


def test_the_reporter_contests_the_closure_and_the_ticket_is_reopened(
    client, world, officer_a, bureau_officer, api
):
    ticket, key = _closed_ticket(client, world, officer_a, bureau_officer)
    response = client.post(
        f"/report/status/{ticket.reference}/contest/",
        {"key": key, "note": "油烟还是很大"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REOPENED
    assert ticket.assignee == officer_a
    # Back on the officer's phone list.
    mine = api(officer_a).get("/api/v1/grid/tickets/mine/").data["results"]
    assert [row["reference"] for row in mine] == [ticket.reference]


def test_a_wrong_key_cannot_contest(client, world, officer_a, bureau_officer):
    ticket, _key = _closed_ticket(client, world, officer_a, bureau_officer)
    response = client.post(
        f"/report/status/{ticket.reference}/contest/", {"key": "guess", "note": "x"}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_an_unknown_reference_is_404(client, db):
    assert client.get("/report/status/NOPE/").status_code == 404
    assert client.get("/report/status/?reference=abc").status_code == 302
