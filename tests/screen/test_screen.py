"""The wall screen: its one data endpoint, who may see it, and the kiosk login
that may open nothing else and write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.screen import JOINT_ACTIONS, register_screen_panel, unregister_screen_panel
from enforcement.models import Enterprise
from grid.models import Membership, Ticket
from screen.models import Kiosk
from screen.services import kiosk_create
from tests.trust.routes import api_routes, page_routes

KEY = "kiosk-key-for-tests-0001"
INSIDE = "10.1.2.3"
OUTSIDE = "203.0.113.9"
DATA = "/api/v1/screen/data/"


@pytest.fixture
def kiosk(world) -> Kiosk:
    return kiosk_create(name="指挥大厅", district=world.district, key=KEY)[0]


@pytest.fixture
def kiosk_client(kiosk) -> Client:
    client = Client(REMOTE_ADDR=INSIDE)
    response = client.post(reverse("screen:login"), {"key": KEY})
    assert response.status_code == 302
    assert response["Location"] == reverse("screen:screen")
    return client


def _ticket(world, **fields) -> Ticket:
    from grid.models import TicketCategory

    category = TicketCategory.objects.first() or TicketCategory.objects.create(
        code="odour", name="异味"
    )
    number = Ticket.objects.count() + 1
    fields.setdefault("status", Ticket.Status.DISPATCHED)
    return Ticket.objects.create(
        reference=f"T{number:06d}",
        category=category,
        source=Ticket.Source.HOTLINE,
        description="异味",
        lon=121.41,
        lat=31.21,
        reported_at=timezone.now(),
        district=world.district,
        street=world.street_a,
        grid_cell=world.cell_a,
        **fields,
    )


def test_kiosk_logs_in_from_an_allowed_network_and_stays_logged_in_for_weeks(
    kiosk_client, settings
):
    assert kiosk_client.get(reverse("screen:screen")).status_code == 200
    assert kiosk_client.session.get_expiry_age() == (
        settings.SCREEN_KIOSK_SESSION_DAYS * 86400
    )
    data = kiosk_client.get(DATA).json()
    assert data["district"] == "测试区"
    assert [c["code"] for c in data["map"]["cells"]] == ["A-001", "B-001"]


def test_kiosk_login_is_refused_outside_the_allowed_networks(kiosk):
    client = Client(REMOTE_ADDR=OUTSIDE)
    response = client.post(reverse("screen:login"), {"key": KEY})
    assert response.status_code == 403
    assert client.get(DATA).status_code in (401, 403)


def test_a_wrong_kiosk_key_is_a_clear_400(kiosk):
    response = Client(REMOTE_ADDR=INSIDE).post(
        reverse("screen:login"), {"key": "not-the-key-at-all"}
    )
    assert response.status_code == 400
    assert "密钥" in response.content.decode() or "key" in response.content.decode()


def test_kiosk_session_ends_when_it_moves_outside_the_allowed_networks(
    kiosk_client,
):
    response = kiosk_client.get(DATA, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 302
    assert kiosk_client.get(DATA).status_code in (401, 403)


def test_a_deactivated_kiosk_is_logged_out(kiosk_client, kiosk):
    Kiosk.objects.filter(pk=kiosk.pk).update(is_active=False)
    assert kiosk_client.get(reverse("screen:screen")).status_code == 302
    assert kiosk_client.get(DATA).status_code in (401, 403)


def test_kiosk_user_has_no_password_to_log_in_anywhere_else(kiosk):
    assert not kiosk.user.has_usable_password()
    response = Client().post(
        "/api/v1/auth/login/", {"username": kiosk.user.username, "password": KEY}
    )
    assert response.status_code in (400, 401, 403)


def _url(route) -> str:
    return route.url(**dict.fromkeys(route.param_names, "1"))


def test_kiosk_cannot_open_any_other_page_or_api_route(kiosk_client, world):
    open_to_kiosk = {"screen:screen", "screen-api:data"}
    checked = 0
    for route in [*page_routes(), *api_routes()]:
        if route.name in open_to_kiosk or route.path.startswith("/admin/"):
            continue
        response = kiosk_client.get(_url(route))
        assert response.status_code == 404, (route.id, response.status_code)
        checked += 1
    assert checked > 100
    # a detail page that exists for staff is no exception
    assert kiosk_client.get(world.enterprise_x.get_absolute_url()).status_code == 404


def test_kiosk_cannot_write_anything(kiosk_client, world):
    before = (Enterprise.objects.count(), Ticket.objects.count())
    names = {world.enterprise_x.name}
    for route in [*page_routes(), *api_routes()]:
        if route.path.startswith("/admin/") or route.name == "screen:logout":
            continue
        for method in ("post", "put", "patch", "delete"):
            response = getattr(kiosk_client, method)(
                _url(route), {"name": "改名"}, content_type="application/json"
            )
            assert response.status_code in (403, 404, 405), (route.id, method)
    assert (Enterprise.objects.count(), Ticket.objects.count()) == before
    assert set(Enterprise.objects.values_list("name", flat=True)) >= names
    # the screen itself is read-only too
    assert kiosk_client.post(DATA).status_code in (403, 404, 405)
    assert kiosk_client.post(reverse("screen:screen")).status_code in (404, 405)


def test_bureau_staff_see_the_screen_street_officers_and_anonymous_do_not(
    world, bureau_officer, officer_a, api
):
    assert api(bureau_officer).get(DATA).status_code == 200
    assert api(officer_a).get(DATA).status_code == 403
    assert api().get(DATA).status_code in (401, 403)
    client = Client()
    client.force_login(officer_a)
    assert client.get(reverse("screen:screen")).status_code == 403
    assert Client().get(reverse("screen:screen")).status_code == 302


def test_screen_counts_open_and_overdue_tickets_per_street_and_draws_them(
    world, bureau_officer, api
):
    _ticket(world)
    _ticket(world, overdue_since=timezone.now() - timedelta(hours=2))
    _ticket(world, status=Ticket.Status.CLOSED)
    data = api(bureau_officer).get(DATA).json()
    streets = {row["street"]: row for row in data["overdue_tickets"]["streets"]}
    assert streets["甲街道"] == {"street": "甲街道", "open": 2, "overdue": 1}
    assert streets["乙街道"]["open"] == 0
    assert data["overdue_tickets"]["total_overdue"] == 1
    assert sorted(t[2] for t in data["map"]["tickets"]) == [False, True]
    cells = {c["code"]: c["open_tickets"] for c in data["map"]["cells"]}
    assert cells == {"A-001": 2, "B-001": 0}


def test_screen_shows_only_the_kiosks_district(world, kiosk_client):
    from grid.models import Street

    foreign = Street.objects.create(
        district=world.partner_district, code="F", name="外区街道"
    )
    data = kiosk_client.get(DATA).json()
    assert foreign.name not in [r["street"] for r in data["overdue_tickets"]["streets"]]


def test_joint_actions_show_no_data_until_a_module_registers_its_panel(
    kiosk_client,
):
    unregister_screen_panel(JOINT_ACTIONS)
    assert kiosk_client.get(DATA).json()["joint_actions"] == {"available": False}
    calls = []

    def provider(*, district_ids, now):
        calls.append(district_ids)
        return {
            "total": 1,
            "rows": [
                {
                    "title": "联合约谈",
                    "detail": "",
                    "state": "进行中",
                    "at": now.isoformat(),
                }
            ],
        }

    register_screen_panel(JOINT_ACTIONS, provider)
    try:
        joint = kiosk_client.get(DATA).json()["joint_actions"]
    finally:
        unregister_screen_panel(JOINT_ACTIONS)
    assert joint["available"] is True and joint["total"] == 1
    assert joint["rows"][0]["title"] == "联合约谈"
    assert len(calls) == 1 and len(calls[0]) == 1


def test_screen_data_is_a_fixed_number_of_queries(world, bureau_officer, api):
    client = api(bureau_officer)
    client.get(DATA)
    with CaptureQueriesContext(connection) as few:
        client.get(DATA)
    for _ in range(5):
        _ticket(world)
    with CaptureQueriesContext(connection) as more:
        client.get(DATA)
    assert len(more) == len(few)


def test_kiosk_create_refuses_a_short_key(world):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        kiosk_create(name="大屏", district=world.district, key="short")
    assert "key" in error.value.fields


def test_kiosk_has_no_membership_and_so_no_scope(kiosk):
    assert not Membership.objects.filter(user=kiosk.user).exists()
