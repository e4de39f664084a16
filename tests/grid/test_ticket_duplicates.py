"""Duplicates: same category within 50 m and 24 h are suggested; a merge links
both ways and the duplicate's reporter follows the original."""

from datetime import timedelta

import pytest

from grid.selectors import ticket_duplicate_candidates
from tests.grid.conftest import local

pytestmark = pytest.mark.django_db
BASE = (121.41, 31.21)
METRE_LON = 1 / (111_320 * 0.8555)  # one metre east at 31.2° N, in degrees


def near(metres_east: float) -> tuple[float, float]:
    return (BASE[0] + metres_east * METRE_LON, BASE[1])


def test_open_tickets_of_the_same_kind_nearby_and_recent_are_suggested(
    world, officer_a, open_ticket
):
    moment = local(2026, 3, 10, 10)
    original = open_ticket(point=BASE, now=moment)
    open_ticket(point=near(-80), now=moment)  # too far (120 m)
    open_ticket(point=near(10), category="noise", now=moment)  # another kind
    open_ticket(point=near(10), now=moment - timedelta(hours=30))  # too old
    fresh = open_ticket(point=near(40), now=moment + timedelta(hours=3))
    found = ticket_duplicate_candidates(
        category_id=fresh.category_id,
        lon=fresh.lon,
        lat=fresh.lat,
        at=fresh.reported_at,
        exclude_id=fresh.pk,
    )
    assert [t.pk for t in found] == [original.pk]
    assert 35 < found[0].distance_m < 45


def test_the_duplicates_endpoint_suggests_them(api, world, officer_a, open_ticket):
    original = open_ticket(point=BASE)
    fresh = open_ticket(point=near(20))
    rows = api(officer_a).get(f"/api/v1/grid/tickets/{fresh.pk}/duplicates/").data
    assert [r["reference"] for r in rows] == [original.reference]


def test_a_merge_links_both_ways_and_the_reporter_follows_the_original(
    api, client, world, officer_a, bureau_officer, open_ticket
):
    from grid.services import ticket_report_by_citizen

    original = open_ticket(point=BASE)
    duplicate, key = ticket_report_by_citizen(
        category="cooking_fume",
        description="同一家店油烟",
        lon=near(15)[0],
        lat=near(15)[1],
    )
    response = api(bureau_officer).post(
        f"/api/v1/grid/tickets/{duplicate.pk}/merge/", {"original": original.pk}
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "merged"
    assert response.data["merged_into_reference"] == original.reference
    detail = api(bureau_officer).get(f"/api/v1/grid/tickets/{original.pk}/").data
    assert detail["duplicate_references"] == [duplicate.reference]
    assert detail["transitions"][-1]["action"] == "absorb"
    assert detail["transitions"][-1]["related_reference"] == duplicate.reference

    # The duplicate's reporter sees the original's progress on their status page.
    page = client.get(f"/report/status/{duplicate.reference}/?key={key}")
    assert original.reference in page.content.decode()


def test_merging_either_way_is_possible_but_not_into_itself(
    api, world, officer_a, bureau_officer, open_ticket
):
    first, second = open_ticket(point=BASE), open_ticket(point=near(5))
    staff = api(bureau_officer)
    assert (
        staff.post(
            f"/api/v1/grid/tickets/{first.pk}/merge/", {"original": first.pk}
        ).status_code
        == 400
    )
    assert (
        staff.post(
            f"/api/v1/grid/tickets/{second.pk}/merge/", {"original": first.pk}
        ).status_code
        == 200
    )
    # The merged one can no longer absorb or be merged again.
    assert (
        staff.post(
            f"/api/v1/grid/tickets/{first.pk}/merge/", {"original": second.pk}
        ).status_code
        == 409
    )


def test_the_duplicates_are_declared_as_the_plain_list_they_are():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/grid/tickets/{id}/duplicates/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert not any(p["name"] == "page" for p in operation.get("parameters", []))
