"""Street B's officer gets 404 for street A's tickets on every endpoint; the
reporter's contact is kept from the public and the enterprise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grid.selectors import ticket_assignee_list
from grid.services import attachment_add, ticket_report_by_citizen
from tests.grid.conftest import IN_CELL_B, jpeg

pytestmark = pytest.mark.django_db

API_POSTS = [
    "accept",
    "hand-back",
    "handle",
    "request-extension",
    "dispatch",
    "decide-extension",
    "verify",
    "close",
    "reject",
    "merge",
    "reopen",
    "attachments",
]
API_GETS = ["", "duplicates/", "attachments/"]
HTML_STEPS = [
    "dispatch",
    "verify",
    "close",
    "reject",
    "reopen",
    "extension",
    "merge",
    "accept",
]


@pytest.fixture
def ticket_a(world, officer_a):
    ticket, _key = ticket_report_by_citizen(
        category="cooking_fume",
        description="油烟",
        lon=world.enterprise_x.lon,
        lat=world.enterprise_x.lat,
        contact="13800000000",
        enterprise_id=world.enterprise_x.pk,
    )
    attachment_add(ticket=ticket, upload=jpeg(), user=officer_a)
    return ticket


@pytest.mark.parametrize("suffix", API_GETS)
def test_other_streets_officer_gets_404_reading(api, ticket_a, officer_b, suffix):
    response = api(officer_b).get(f"/api/v1/grid/tickets/{ticket_a.pk}/{suffix}")
    assert response.status_code == 404


@pytest.mark.parametrize("step", API_POSTS)
def test_other_streets_officer_gets_404_acting(api, ticket_a, officer_b, step):
    body = {
        "note": "x",
        "reason": "x",
        "passed": True,
        "grant": True,
        "hours": 8,
        "assignee": officer_b.pk,
        "original": ticket_a.pk,
    }
    if step == "attachments":
        body = {"file": SimpleUploadedFile("p.jpg", jpeg(), "image/jpeg")}
    response = api(officer_b).post(
        f"/api/v1/grid/tickets/{ticket_a.pk}/{step}/", body, format="multipart"
    )
    assert response.status_code == 404
    assert ticket_a.transitions.count() == 3


@pytest.mark.parametrize("step", HTML_STEPS)
def test_other_streets_officer_gets_404_on_the_pages(client, ticket_a, officer_b, step):
    client.force_login(officer_b)
    assert (
        client.post(
            f"/grid/tickets/{ticket_a.pk}/act/{step}/", {"note": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "path",
    ["/grid/tickets/{pk}/", "/m/tickets/{pk}/", "/grid/tickets/{pk}/attachments/{a}/"],
)
def test_other_streets_officer_gets_404_on_every_page(
    client, ticket_a, officer_b, officer_a, path
):
    attachment = ticket_a.attachments.first()
    client.force_login(officer_b)
    assert client.get(path.format(pk=ticket_a.pk, a=attachment.pk)).status_code == 404
    client.force_login(officer_a)
    assert client.get(path.format(pk=ticket_a.pk, a=attachment.pk)).status_code == 200


def test_merging_into_another_streets_ticket_is_refused_as_an_unknown_ticket(
    api, world, ticket_a, officer_b
):
    ticket_b, _ = ticket_report_by_citizen(
        category="noise", description="噪声", lon=IN_CELL_B[0], lat=IN_CELL_B[1]
    )
    client = api(officer_b)
    url = f"/api/v1/grid/tickets/{ticket_b.pk}/merge/"
    foreign = client.post(url, {"original": ticket_a.pk})
    missing = client.post(url, {"original": 987654321})
    assert foreign.status_code == missing.status_code == 400
    assert "original" in foreign.data["fields"]
    assert str(ticket_a.pk) in foreign.data["fields"]["original"][0]
    assert ticket_b.transitions.filter(action="merge").count() == 0


def test_dispatching_to_an_officer_outside_the_dispatchers_scope_names_the_assignee(
    api, world, ticket_a, officer_a, django_user_model
):
    """A street officer dispatches within the street's officers and the district's
    bureau officers; a user beyond them is unknown, like one who does not exist."""
    outsider = django_user_model.objects.create_user("outsider", password="pw")
    response = api(officer_a).post(
        f"/api/v1/grid/tickets/{ticket_a.pk}/dispatch/", {"assignee": outsider.pk}
    )
    assert response.status_code == 400
    assert "assignee" in response.data["fields"]
    ticket_a.refresh_from_db()
    assert ticket_a.assignee_id != outsider.pk


def test_staff_cannot_name_an_enterprise_outside_their_scope_on_a_new_ticket(
    api, world, officer_a
):
    response = api(officer_a).post(
        "/api/v1/grid/tickets/",
        {
            "category": "noise",
            "description": "噪声",
            "lon": IN_CELL_B[0],
            "lat": IN_CELL_B[1],
            "enterprise": world.enterprise_y.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "enterprise" in response.data["fields"]


def test_lists_and_the_map_leave_out_other_streets(api, ticket_a, officer_b, officer_a):
    client = api(officer_b)
    assert client.get("/api/v1/grid/tickets/").data["count"] == 0
    assert client.get("/api/v1/grid/tickets/map/").data["count"] == 0
    assert client.get("/api/v1/grid/tickets/mine/").data["results"] == []
    assert api(officer_a).get("/api/v1/grid/tickets/").data["count"] == 1


def test_partner_officers_see_no_tickets(api, ticket_a, partner_officer):
    client = api(partner_officer)
    assert client.get("/api/v1/grid/tickets/").data["count"] == 0
    assert client.get(f"/api/v1/grid/tickets/{ticket_a.pk}/").status_code == 404


def test_staff_see_the_reporters_contact(api, ticket_a, officer_a, bureau_officer):
    for user in (officer_a, bureau_officer):
        data = api(user).get(f"/api/v1/grid/tickets/{ticket_a.pk}/").data
        assert data["reporter_contact"] == "13800000000"


def test_the_enterprise_sees_its_tickets_without_the_reporters_contact(
    api, ticket_a, enterprise_user_x, enterprise_user_y
):
    client = api(enterprise_user_x)
    listed = client.get("/api/v1/grid/tickets/").data["results"]
    assert [row["id"] for row in listed] == [ticket_a.pk]
    assert listed[0]["reporter_contact"] is None
    detail = client.get(f"/api/v1/grid/tickets/{ticket_a.pk}/")
    assert "13800000000" not in detail.content.decode()
    assert client.post(f"/api/v1/grid/tickets/{ticket_a.pk}/accept/").status_code in (
        403,
        409,
    )
    assert (
        api(enterprise_user_y).get(f"/api/v1/grid/tickets/{ticket_a.pk}/").status_code
        == 404
    )


def test_the_public_never_sees_the_reporters_contact(client, ticket_a):
    page = client.get(f"/report/status/{ticket_a.reference}/").content.decode()
    assert ticket_a.reference in page
    assert "13800000000" not in page
    feed = client.get("/open311/v2/requests.json").content.decode()
    assert ticket_a.reference in feed
    assert "13800000000" not in feed


def test_evidence_files_are_not_public(client, ticket_a):
    attachment = ticket_a.attachments.first()
    response = client.get(f"/grid/tickets/{ticket_a.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 302  # to the login page


def test_the_enterprise_does_not_learn_who_reported(
    api, client, world, officer_a, enterprise_user_x, django_user_model
):
    citizen = django_user_model.objects.create_user("resident_wang")
    ticket, _key = ticket_report_by_citizen(
        category="cooking_fume",
        description="油烟",
        lon=world.enterprise_x.lon,
        lat=world.enterprise_x.lat,
        enterprise_id=world.enterprise_x.pk,
        reporter=citizen,
    )
    data = api(enterprise_user_x).get(f"/api/v1/grid/tickets/{ticket.pk}/").data
    assert data["transitions"][0]["actor_name"] == ""
    client.force_login(enterprise_user_x)
    assert (
        "resident_wang"
        not in client.get(f"/grid/tickets/{ticket.pk}/").content.decode()
    )
    staff = api(officer_a).get(f"/api/v1/grid/tickets/{ticket.pk}/").data
    assert staff["transitions"][0]["actor_name"] == "resident_wang"


def test_dispatchers_choose_among_their_streets_officers_and_the_bureau(
    world, officer_a, officer_b, bureau_officer, partner_officer, enterprise_user_x
):
    assert set(ticket_assignee_list(user=officer_a)) == {officer_a, bureau_officer}
    assert set(ticket_assignee_list(user=bureau_officer)) == {
        officer_a,
        officer_b,
        bureau_officer,
    }
    assert not ticket_assignee_list(user=partner_officer).exists()
    assert not ticket_assignee_list(user=enterprise_user_x).exists()
