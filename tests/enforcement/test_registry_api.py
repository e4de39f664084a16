"""Registering and changing enterprises through the API."""

import pytest

from enforcement.models import Enterprise
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db


def test_created_enterprise_gets_street_and_cell_from_its_location(
    api, world, bureau_officer
):
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/",
        {
            "uscc": make_uscc(77),
            "name": "新店",
            "sector": "catering",
            "lon": 121.43,
            "lat": 31.205,
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["street"] == world.street_b.id
    assert response.data["grid_cell"] == world.cell_b.id


def test_bad_uscc_is_a_400_naming_the_field_in_chinese(api, world, bureau_officer):
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/",
        {
            "uscc": "91310000631696382D",
            "name": "x",
            "sector": "catering",
            "lon": 121.41,
            "lat": 31.21,
        },
    )
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "校验" in response.data["fields"]["uscc"][0]
    assert not Enterprise.objects.filter(name="x").exists()


def test_location_outside_the_district_is_refused(api, world, bureau_officer):
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/",
        {
            "uscc": make_uscc(78),
            "name": "远方",
            "sector": "other",
            "lon": 120.0,
            "lat": 30.0,
        },
    )
    assert response.status_code == 400
    assert "location" in response.data["fields"]


def test_duplicate_uscc_is_refused(api, world, bureau_officer):
    response = api(bureau_officer).post(
        "/api/v1/enforcement/enterprises/",
        {
            "uscc": world.enterprise_x.uscc,
            "name": "重复",
            "sector": "other",
            "lon": 121.41,
            "lat": 31.21,
        },
    )
    assert response.status_code == 400
    assert "uscc" in response.data["fields"]


def test_street_officer_cannot_register_enterprises(api, world, officer_a):
    response = api(officer_a).post(
        "/api/v1/enforcement/enterprises/",
        {
            "uscc": make_uscc(79),
            "name": "x",
            "sector": "other",
            "lon": 121.41,
            "lat": 31.21,
        },
    )
    assert response.status_code == 403


def test_manual_street_needs_a_reason_and_is_recorded_as_override(
    api, world, bureau_officer
):
    client = api(bureau_officer)
    url = f"/api/v1/enforcement/enterprises/{world.enterprise_x.id}/location/"
    refused = client.post(
        url, {"lon": 121.41, "lat": 31.21, "street": world.street_b.id}
    )
    assert refused.status_code == 400
    assert "note" in refused.data["fields"]
    accepted = client.post(
        url,
        {
            "lon": 121.41,
            "lat": 31.21,
            "street": world.street_b.id,
            "note": "门牌属乙街道",
        },
    )
    assert accepted.status_code == 200
    world.enterprise_x.refresh_from_db()
    assert world.enterprise_x.street == world.street_b
    assert world.enterprise_x.location_override
    assert world.enterprise_x.location_override_note == "门牌属乙街道"


def test_moving_without_override_reassigns_street_and_cell(api, world, bureau_officer):
    response = api(bureau_officer).post(
        f"/api/v1/enforcement/enterprises/{world.enterprise_x.id}/location/",
        {"lon": 121.43, "lat": 31.21},
    )
    assert response.status_code == 200
    assert (response.data["street"], response.data["grid_cell"]) == (
        world.street_b.id,
        world.cell_b.id,
    )


def test_map_returns_points_in_the_viewport_only(api, world, bureau_officer):
    data = (
        api(bureau_officer)
        .get(
            "/api/v1/enforcement/enterprises/map/",
            {"bbox": "121.40,31.20,121.42,31.22"},
        )
        .data
    )
    assert data["type"] == "points"
    assert [f["id"] for f in data["features"]] == [world.enterprise_x.id]


def test_map_clusters_beyond_the_feature_limit(api, world, bureau_officer, monkeypatch):
    from enforcement import selectors

    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 1)
    data = (
        api(bureau_officer)
        .get(
            "/api/v1/enforcement/enterprises/map/",
            {"bbox": "121.39,31.19,121.45,31.23"},
        )
        .data
    )
    assert data["type"] == "clusters"
    assert data["count"] == 2
    assert sum(f["count"] for f in data["features"]) == 2


def test_map_rejects_a_reversed_bbox(api, world, bureau_officer):
    response = api(bureau_officer).get(
        "/api/v1/enforcement/enterprises/map/", {"bbox": "121.5,31.2,121.4,31.3"}
    )
    assert response.status_code == 400
    assert "bbox" in response.data["fields"]


def test_list_endpoint_uses_a_fixed_number_of_queries(
    api, world, bureau_officer, django_assert_max_num_queries
):
    for serial in range(100, 130):
        Enterprise.objects.create(
            uscc=make_uscc(serial),
            name=f"店{serial}",
            sector="catering",
            lon=121.41,
            lat=31.21,
            street=world.street_a,
            grid_cell=world.cell_a,
        )
    client = api(bureau_officer)
    with django_assert_max_num_queries(6):
        response = client.get(
            "/api/v1/enforcement/enterprises/", {"street": world.street_a.id}
        )
    assert response.data["count"] == 31
