"""Open311 GeoReport v2: field names, filters, the error format, api_key."""

import hashlib
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.core.files.uploadedfile import SimpleUploadedFile

from grid.models import Open311Client, Ticket
from tests.grid.conftest import IN_CELL_A, jpeg

pytestmark = pytest.mark.django_db
KEY = "test-open311-key"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def open311_client(world, officer_a):
    return Open311Client.objects.create(
        name="city app", key_hash=hashlib.sha256(KEY.encode()).hexdigest()
    )


def post(client, **fields):
    data = {
        "api_key": KEY,
        "jurisdiction_id": "shanghai.example",
        "service_code": "cooking_fume",
        "lat": str(IN_CELL_A[1]),
        "long": str(IN_CELL_A[0]),
        "description": "餐馆油烟直排",
        "email": "citizen@example.org",
        **fields,
    }
    return client.post(
        "/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None}
    )


def test_services_lists_the_categories_with_georeport_fields(client, db):
    services = client.get("/open311/v2/services.json").json()
    codes = [s["service_code"] for s in services]
    assert codes == [
        "odour",
        "cooking_fume",
        "noise",
        "dust",
        "wastewater",
        "waste",
        "other",
    ]
    assert set(services[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert services[0]["type"] == "realtime" and services[0]["metadata"] is False


def test_a_service_definition_and_an_unknown_one(client, db):
    assert client.get("/open311/v2/services/noise.json").json() == {
        "service_code": "noise",
        "attributes": [],
    }
    response = client.get("/open311/v2/services/smog.json")
    assert response.status_code == 404
    assert set(response.json()[0]) == {"code", "description"}


def test_posting_a_request_returns_its_id_and_routes_it(
    client, open311_client, officer_a
):
    response = post(client)
    assert response.status_code == 201
    body = response.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    ticket = Ticket.objects.get(reference=body[0]["service_request_id"])
    assert ticket.source == "open311"
    assert ticket.assignee == officer_a
    assert ticket.reporter_contact == "citizen@example.org"
    assert ticket.transitions.first().actor_label == "Open311: city app"


def test_a_missing_api_key_is_refused_in_the_open311_format(client, open311_client):
    response = post(client, api_key=None)
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400 and "api_key" in body[0]["description"]
    assert Ticket.objects.count() == 0
    assert post(client, api_key="wrong").status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": "smog"}, "service_code"),
        ({"lat": "30.0", "long": "120.0"}, "lat/long"),
        ({"lat": None, "long": None}, "lat/long"),
        ({"description": "x" * 4001}, "description"),
        ({"lat": "north", "long": "east"}, "lat/long"),
    ],
)
def test_bad_requests_name_the_field_and_store_nothing(
    client, open311_client, change, field
):
    response = post(client, **change)
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith(field)
    assert Ticket.objects.count() == 0


def test_an_address_of_a_registered_enterprise_places_the_request(
    client, world, open311_client
):
    world.enterprise_x.address = "甲路1号"
    world.enterprise_x.save()
    response = post(client, lat=None, long=None, address_string="甲路1号")
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.lon, ticket.lat) == (world.enterprise_x.lon, world.enterprise_x.lat)


def test_a_media_file_is_stored_as_evidence(client, open311_client):
    response = post(client, media=SimpleUploadedFile("m.jpg", jpeg(), "image/jpeg"))
    assert response.status_code == 201
    assert Ticket.objects.get().attachments.count() == 1


def test_reading_requests_uses_the_georeport_field_names(client, open311_client):
    reference = post(client).json()[0]["service_request_id"]
    rows = client.get("/open311/v2/requests.json").json()
    assert set(rows[0]) == REQUEST_FIELDS
    assert rows[0]["service_request_id"] == reference
    assert rows[0]["status"] == "open"
    assert rows[0]["long"] == IN_CELL_A[0]
    one = client.get(f"/open311/v2/requests/{reference}.json").json()
    assert len(one) == 1 and one[0]["service_request_id"] == reference
    missing = client.get("/open311/v2/requests/NOPE.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_reading_requests_filters_by_id_code_status_and_dates(client, open311_client):
    first = post(client).json()[0]["service_request_id"]
    second = post(client, service_code="noise").json()[0]["service_request_id"]
    Ticket.objects.filter(reference=second).update(status="closed")

    def ids(**params):
        return [
            r["service_request_id"]
            for r in client.get("/open311/v2/requests.json", params).json()
        ]

    assert set(ids(service_request_id=f"{first},{second}")) == {first, second}
    assert ids(service_code="noise") == [second]
    assert ids(status="closed") == [second]
    assert ids(status="open") == [first]
    old = Ticket.objects.get(reference=first)
    Ticket.objects.filter(pk=old.pk).update(
        reported_at=old.reported_at - timedelta(days=200)
    )
    assert ids() == [second]  # 90 days by default
    assert first in ids(start_date="2000-01-01T00:00:00+08:00")
    response = client.get("/open311/v2/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400


def test_xml_is_served_too(client, open311_client):
    reference = post(client).json()[0]["service_request_id"]
    services = ElementTree.fromstring(client.get("/open311/v2/services.xml").content)
    assert services.tag == "services"
    assert services.find("service/service_code").text == "odour"
    requests = ElementTree.fromstring(client.get("/open311/v2/requests.xml").content)
    assert requests.find("request/service_request_id").text == reference
    error = ElementTree.fromstring(client.get("/open311/v2/requests/NOPE.xml").content)
    assert error.tag == "errors" and error.find("error/code").text == "404"


def test_internal_tickets_are_neither_in_the_feed_nor_on_the_status_page(
    client, open311_client, world
):
    """A monitoring alarm names the enterprise before anything is decided: it is
    the bureau's business, not a public service request."""
    from grid.services import ticket_open

    alarm = ticket_open(
        category="odour",
        source=Ticket.Source.MONITORING_ALERT,
        description="甲餐厅 排口 COD 超标",
        lon=IN_CELL_A[0],
        lat=IN_CELL_A[1],
        enterprise=world.enterprise_x,
    )
    citizen = post(client)
    reference = citizen.json()[0]["service_request_id"]
    feed = client.get("/open311/v2/requests.json").json()
    assert [item["service_request_id"] for item in feed] == [reference]
    assert (
        client.get(
            f"/open311/v2/requests.json?service_request_id={alarm.reference}"
        ).json()
        == []
    )
    assert client.get(f"/open311/v2/requests/{alarm.reference}.json").status_code == 404
    assert client.get(f"/report/status/{alarm.reference}/").status_code == 404
    assert client.get(f"/report/status/{reference}/").status_code == 200
