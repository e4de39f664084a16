"""Stale edits are refused: the enterprise detail carries an ETag, and a PATCH
with an If-Match that no longer matches gets 412 and changes nothing."""

import pytest

from enforcement.models import Enterprise

from .concurrent import run_concurrently

pytestmark = pytest.mark.django_db


def url(world):
    return f"/api/v1/enforcement/enterprises/{world.enterprise_x.id}/"


def test_the_detail_carries_an_etag_that_changes_with_every_edit(
    world, bureau_officer, api
):
    client = api(bureau_officer)
    first = client.get(url(world))["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert client.get(url(world))["ETag"] == first
    patched = client.patch(url(world), {"name": "甲餐厅二"}, format="json")
    assert patched["ETag"] != first
    assert client.get(url(world))["ETag"] == patched["ETag"]


def test_an_edit_with_the_current_etag_goes_through(world, bureau_officer, api):
    client = api(bureau_officer)
    etag = client.get(url(world))["ETag"]
    response = client.patch(
        url(world), {"name": "甲餐厅二"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200


def test_a_stale_edit_is_refused_with_412_and_changes_nothing(
    world, bureau_officer, api
):
    client = api(bureau_officer)
    stale = client.get(url(world))["ETag"]
    client.patch(url(world), {"name": "别人改的"}, format="json")
    response = client.patch(
        url(world), {"contact_phone": "123"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    world.enterprise_x.refresh_from_db()
    assert world.enterprise_x.name == "别人改的"
    assert world.enterprise_x.contact_phone == ""


def test_weak_or_garbage_tags_do_not_match_but_star_does(world, bureau_officer, api):
    client = api(bureau_officer)
    etag = client.get(url(world))["ETag"]
    for header in (f"W/{etag}", '"nope"', "nope"):
        response = client.patch(
            url(world), {"name": "x"}, format="json", HTTP_IF_MATCH=header
        )
        assert response.status_code == 412, header
    response = client.patch(url(world), {"name": "x"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_an_out_of_scope_record_is_404_before_any_precondition(
    world, officer_a, bureau_officer, api
):
    other = f"/api/v1/enforcement/enterprises/{world.enterprise_y.id}/"
    response = api(officer_a).patch(
        other, {"name": "x"}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert response.status_code in (403, 404)
    assert Enterprise.objects.get(pk=world.enterprise_y.pk).name == "乙汽修"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_edits_from_the_same_version_cannot_both_win(
    world, bureau_officer, bureau_admin, api
):
    etag = api(bureau_officer).get(url(world))["ETag"]
    results = run_concurrently(
        lambda: api(bureau_officer).patch(
            url(world), {"name": "甲一"}, format="json", HTTP_IF_MATCH=etag
        ),
        lambda: api(bureau_admin).patch(
            url(world), {"name": "甲二"}, format="json", HTTP_IF_MATCH=etag
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200)
    world.enterprise_x.refresh_from_db()
    assert world.enterprise_x.name == winner.json()["name"]
