"""Later list pages and the map's over-the-limit clusters: the same answers as a
plain OFFSET and a plain average would give, from cheaper queries."""

import pytest

from enforcement import selectors
from enforcement.models import Enterprise
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/enforcement/enterprises/"
MAP_URL = "/api/v1/enforcement/enterprises/map/"


def add_enterprises(
    world, count, *, street=None, start=500, lon=121.41, lat=31.21, same_name=False
):
    street = street or world.street_a
    cell = world.cell_a if street == world.street_a else world.cell_b
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(start + n),
            # names out of id order, so ordering is really exercised
            name="同名店" if same_name else f"店{(n * 7) % 131:03d}",
            sector="catering",
            lon=lon,
            lat=lat,
            street=street,
            grid_cell=cell,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("ordering", [None, "-name", "uscc"])
def test_every_page_lists_the_rows_a_plain_offset_would(
    api, world, bureau_officer, ordering
):
    add_enterprises(world, 130)
    params = {"street": world.street_a.id, "page_size": 50}
    if ordering:
        params["ordering"] = ordering
    expected = list(
        Enterprise.objects.filter(street=world.street_a)
        .order_by(*([ordering] if ordering else []), *Enterprise._meta.ordering)
        .values_list("id", flat=True)
    )
    client = api(bureau_officer)
    pages = [client.get(LIST_URL, {**params, "page": page}).data for page in (1, 2, 3)]
    assert [row["id"] for page in pages for row in page["results"]] == expected
    assert [page["count"] for page in pages] == [131] * 3
    assert pages[2]["next"] is None


def test_pages_of_namesakes_follow_the_id_tiebreak(api, world, bureau_officer):
    add_enterprises(world, 120, same_name=True)
    client = api(bureau_officer)
    listed = [
        row["id"]
        for page in (1, 2, 3)
        for row in client.get(
            LIST_URL, {"street": world.street_a.id, "page": page}
        ).data["results"]
    ]
    expected = list(
        Enterprise.objects.filter(street=world.street_a, name="同名店")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert listed == expected + [world.enterprise_x.id]


def test_a_later_page_uses_as_few_queries_as_the_first(
    api, world, bureau_officer, django_assert_max_num_queries
):
    add_enterprises(world, 130)
    client = api(bureau_officer)
    with django_assert_max_num_queries(6):
        response = client.get(LIST_URL, {"street": world.street_a.id, "page": 3})
    assert len(response.data["results"]) == 31


def test_a_page_past_the_end_is_a_404(api, world, bureau_officer):
    add_enterprises(world, 60)
    response = api(bureau_officer).get(
        LIST_URL, {"street": world.street_a.id, "page": 3}
    )
    assert response.status_code == 404


def test_exactly_the_feature_limit_is_still_sent_as_points(
    api, world, bureau_officer, monkeypatch
):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 2)
    data = api(bureau_officer).get(MAP_URL, {"bbox": "121.39,31.19,121.45,31.23"}).data
    assert data["type"] == "points"
    assert {f["id"] for f in data["features"]} == {
        world.enterprise_x.id,
        world.enterprise_y.id,
    }


def test_clusters_give_counts_and_centroids_of_their_members(
    api, world, bureau_officer, monkeypatch
):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 2)
    # Two tight groups, each inside one 64-pixel cell at zoom 16 (~130 m).
    add_enterprises(world, 3, start=600, lon=121.4010, lat=31.2010)
    add_enterprises(world, 1, start=610, lon=121.4011, lat=31.2011)
    add_enterprises(
        world, 5, start=620, street=world.street_b, lon=121.4390, lat=31.2190
    )
    data = (
        api(bureau_officer)
        .get(MAP_URL, {"bbox": "121.40,31.20,121.44,31.22", "zoom": 16})
        .data
    )
    assert data["type"] == "clusters"
    # west to east: the first group, enterprise_x, enterprise_y, the second group
    features = sorted(data["features"], key=lambda f: f["lon"])
    assert [f["count"] for f in features] == [4, 1, 1, 5]
    assert features[0]["lon"] == pytest.approx((3 * 121.4010 + 121.4011) / 4)
    assert features[0]["lat"] == pytest.approx((3 * 31.2010 + 31.2011) / 4)
    assert (features[3]["lon"], features[3]["lat"]) == pytest.approx(
        (121.4390, 31.2190)
    )
    assert data["count"] == 11


def test_clusters_count_only_what_the_user_may_see(api, world, officer_a, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 2)
    add_enterprises(world, 4, start=700)
    add_enterprises(world, 6, start=710, street=world.street_b, lon=121.43)
    data = api(officer_a).get(MAP_URL, {"bbox": "121.39,31.19,121.45,31.23"}).data
    assert data["type"] == "clusters"
    assert data["count"] == 5  # enterprise_x and the four added in street A
    assert all(f["lon"] < 121.42 for f in data["features"])


def test_nearby_points_share_a_cluster_wherever_the_viewport_is_panned(
    api, world, bureau_officer, monkeypatch
):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 1)
    add_enterprises(world, 2, start=800, lon=121.410001, lat=31.210001)
    client = api(bureau_officer)
    answers = [
        sorted(
            (f["count"], round(f["lon"], 6))
            for f in client.get(MAP_URL, {"bbox": bbox}).data["features"]
        )
        for bbox in ("121.39,31.19,121.45,31.23", "121.3913,31.1937,121.4513,31.2337")
    ]
    assert answers[0] == answers[1]


def test_clusters_are_sized_to_the_zoom_level(api, world, bureau_officer, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 1)
    # two shops 200 m apart: 64 px is ~30 m at zoom 19, ~1.9 km at zoom 13
    add_enterprises(world, 1, start=900, lon=121.4020, lat=31.2050)
    add_enterprises(world, 1, start=901, lon=121.4040, lat=31.2050)
    client = api(bureau_officer)
    bbox = {"bbox": "121.401,31.204,121.405,31.206"}
    close = client.get(MAP_URL, {**bbox, "zoom": 19}).data
    far = client.get(MAP_URL, {**bbox, "zoom": 13}).data
    assert sorted(f["count"] for f in close["features"]) == [1, 1]
    assert [f["count"] for f in far["features"]] == [2]


def test_a_zoom_too_deep_for_the_viewport_cannot_inflate_the_answer(
    api, world, bureau_officer, monkeypatch
):
    monkeypatch.setattr(selectors, "MAP_FEATURE_LIMIT", 1)
    monkeypatch.setattr(selectors, "CLUSTER_GRID", 2)
    for n in range(12):  # spread over the whole viewport
        add_enterprises(
            world, 1, start=950 + n, lon=121.401 + n * 0.0035, lat=31.201 + n * 0.0015
        )
    data = (
        api(bureau_officer)
        .get(MAP_URL, {"bbox": "121.40,31.20,121.44,31.22", "zoom": 22})
        .data
    )
    assert data["type"] == "clusters"
    assert len(data["features"]) <= (2 + 1) ** 2
    assert data["count"] == 14  # the twelve, enterprise_x and enterprise_y
