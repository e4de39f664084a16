"""Street A's officer sees nothing of street B, through any list, detail or page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_street_officer_lists_only_own_streets_enterprises(api, world, officer_a):
    response = api(officer_a).get("/api/v1/enforcement/enterprises/")
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [world.enterprise_x.id]


def test_street_officer_gets_404_for_other_streets_enterprise(api, world, officer_a):
    response = api(officer_a).get(
        f"/api/v1/enforcement/enterprises/{world.enterprise_y.id}/"
    )
    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_filtering_by_another_street_is_refused_not_leaked(api, world, officer_a):
    response = api(officer_a).get(
        "/api/v1/enforcement/enterprises/", {"street": world.street_b.id}
    )
    assert response.status_code == 400
    assert "street" in response.data["fields"]


@pytest.mark.parametrize(
    "path", ["/api/v1/grid/streets/", "/api/v1/grid/cells/", "/api/v1/grid/districts/"]
)
def test_street_officer_sees_only_own_geography(api, world, officer_a, path):
    ids = {row["id"] for row in api(officer_a).get(path).data["results"]}
    expected = {
        "/api/v1/grid/streets/": {world.street_a.id},
        "/api/v1/grid/cells/": {world.cell_a.id},
        "/api/v1/grid/districts/": {world.district.id},
    }[path]
    assert ids == expected


def test_street_officer_gets_404_for_other_streets_cell(api, world, officer_a):
    assert (
        api(officer_a).get(f"/api/v1/grid/cells/{world.cell_b.id}/").status_code == 404
    )


def test_bureau_officer_sees_the_whole_district(api, world, bureau_officer):
    response = api(bureau_officer).get("/api/v1/enforcement/enterprises/")
    assert {row["id"] for row in response.data["results"]} == {
        world.enterprise_x.id,
        world.enterprise_y.id,
    }


def test_enterprise_user_sees_only_own_enterprise(api, world, enterprise_user_x):
    client = api(enterprise_user_x)
    listed = client.get("/api/v1/enforcement/enterprises/").data["results"]
    assert [row["id"] for row in listed] == [world.enterprise_x.id]
    assert (
        client.get(
            f"/api/v1/enforcement/enterprises/{world.enterprise_y.id}/"
        ).status_code
        == 404
    )


def test_partner_officer_sees_no_enterprise_or_street(api, world, partner_officer):
    client = api(partner_officer)
    assert client.get("/api/v1/enforcement/enterprises/").data["results"] == []
    assert client.get("/api/v1/grid/streets/").data["results"] == []


def test_anonymous_gets_401(api, world):
    assert api().get("/api/v1/enforcement/enterprises/").status_code == 401


def test_street_officer_html_detail_of_other_street_is_404(client, world, officer_a):
    client.force_login(officer_a)
    assert (
        client.get(
            reverse("enforcement:enterprise-detail", args=[world.enterprise_y.id])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("enforcement:enterprise-detail", args=[world.enterprise_x.id])
        ).status_code
        == 200
    )


def test_street_officer_html_list_shows_only_own_street(client, world, officer_a):
    client.force_login(officer_a)
    page = client.get(reverse("enforcement:enterprise-list")).content.decode()
    assert world.enterprise_x.name in page
    assert world.enterprise_y.name not in page


def test_street_officer_map_and_cells_show_only_own_street(client, world, officer_a):
    client.force_login(officer_a)
    cells = client.get(reverse("grid:cells-geojson")).json()["features"]
    assert [f["properties"]["code"] for f in cells] == ["A-001"]
    features = client.get(
        "/api/v1/enforcement/enterprises/map/", {"bbox": "121.3,31.1,121.5,31.3"}
    ).json()["features"]
    assert [f["id"] for f in features] == [world.enterprise_x.id]


def test_moving_an_officer_out_of_a_street_changes_scope_on_next_request(
    api, world, officer_a
):
    membership = officer_a.memberships.get()
    membership.streets.set([world.street_b])
    officer_a.refresh_from_db()
    listed = api(officer_a).get("/api/v1/enforcement/enterprises/").data["results"]
    assert [row["id"] for row in listed] == [world.enterprise_y.id]
