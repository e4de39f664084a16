"""Substantiated complaints (grid tickets closed with a confirmed violation) are a
health-code factor, and closing such a ticket recomputes the enterprise's code."""

import pytest

from enforcement import selectors
from enforcement.models import HealthCode
from grid.services import TicketIntake, tickets_open_many

pytestmark = pytest.mark.django_db


def complaint_about(enterprise):
    intake = TicketIntake(
        category="cooking_fume",
        source="citizen_web",
        description="油烟直排",
        lon=enterprise.lon,
        lat=enterprise.lat,
        enterprise_id=enterprise.pk,
    )
    return tickets_open_many(items=[intake], single=True)[0]


def close(api, ticket, officer, staff, *, confirmed: bool):
    url = f"/api/v1/grid/tickets/{ticket.pk}/"
    officer.post(url + "accept/")
    officer.post(url + "handle/", {"note": "现场检查", "inspection_reference": "J-1"})
    staff.post(url + "verify/", {"passed": True})
    response = staff.post(url + "close/", {"violation_confirmed": confirmed})
    assert response.status_code == 200, response.data


def complaints(enterprise) -> dict | None:
    code = HealthCode.objects.get(enterprise=enterprise)
    return next(
        (
            e
            for e in selectors.health_code_breakdown(code)
            if e["factor"] == "grid.substantiated_complaints"
        ),
        None,
    )


def test_closing_a_confirmed_complaint_recomputes_the_code_with_it(
    api, world, officer_a, bureau_officer, django_capture_on_commit_callbacks
):
    ticket = complaint_about(world.enterprise_x)
    with django_capture_on_commit_callbacks(execute=True):
        close(api, ticket, api(officer_a), api(bureau_officer), confirmed=True)
    entry = complaints(world.enterprise_x)
    assert entry is not None and entry["raw"] == 1
    assert entry["contribution"] == 8.0  # weight 8 in the shipped model, no decay yet
    assert entry["records"] == [ticket.pk] and entry["records_total"] == 1


def test_a_complaint_closed_without_a_confirmed_violation_does_not_count(
    api, world, officer_a, bureau_officer, django_capture_on_commit_callbacks
):
    ticket = complaint_about(world.enterprise_x)
    with django_capture_on_commit_callbacks(execute=True):
        close(api, ticket, api(officer_a), api(bureau_officer), confirmed=False)
    assert complaints(world.enterprise_x) is None
