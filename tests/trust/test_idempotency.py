"""Idempotency-Key on the enterprise create endpoint: a retry gets the first answer
and creates nothing; another body with the same key is 422; in flight is 409."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.idempotency import idempotency_purge, request_fingerprint
from core.models import IdempotentRequest
from enforcement.models import Enterprise
from tests.conftest import make_uscc

from .concurrent import run_concurrently

URL = "/api/v1/enforcement/enterprises/"
pytestmark = pytest.mark.django_db


def body(serial=11, name="丙餐厅"):
    return {
        "uscc": make_uscc(serial),
        "name": name,
        "sector": "catering",
        "lon": 121.405,
        "lat": 31.205,
    }


def post(client, data, key):
    return client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_and_body_returns_the_first_answer(
    world, bureau_officer, api
):
    client = api(bureau_officer)
    first = post(client, body(), "k-1")
    again = post(client, body(), "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Enterprise.objects.filter(uscc=make_uscc(11)).count() == 1


def test_the_same_key_with_another_body_is_refused_with_422(world, bureau_officer, api):
    client = api(bureau_officer)
    assert post(client, body(), "k-2").status_code == 201
    other = post(client, body(12, "丁餐厅"), "k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert not Enterprise.objects.filter(uscc=make_uscc(12)).exists()


def test_a_key_still_in_flight_is_refused_with_409(world, bureau_officer, api):
    client = api(bureau_officer)
    # What the first request, still running, has claimed:
    probe = APIRequestFactory().post(URL, body(), format="json")
    IdempotentRequest.objects.create(
        owner=f"user:{bureau_officer.pk}",
        key="k-3",
        fingerprint=request_fingerprint(Request(probe, parsers=[JSONParser()])),
    )
    response = post(client, body(), "k-3")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert not Enterprise.objects.filter(uscc=make_uscc(11)).exists()


def test_a_claim_left_by_a_dead_process_is_taken_over_after_the_timeout(
    world, bureau_officer, api, settings
):
    settings.IDEMPOTENCY_IN_FLIGHT_SECONDS = 60
    client = api(bureau_officer)
    assert post(client, body(), "k-4").status_code == 201
    row = IdempotentRequest.objects.get(key="k-4")
    IdempotentRequest.objects.filter(pk=row.pk).update(
        state="in_flight", created_at=timezone.now() - timedelta(minutes=5)
    )
    Enterprise.objects.filter(uscc=make_uscc(11)).delete()
    assert post(client, body(), "k-4").status_code == 201
    assert IdempotentRequest.objects.get(key="k-4").state == "done"


def test_a_failed_request_releases_the_key_so_a_corrected_retry_runs(
    world, bureau_officer, api
):
    client = api(bureau_officer)
    bad = dict(body(), lon=100.0)  # outside every grid cell
    assert post(client, bad, "k-5").status_code == 400
    assert not IdempotentRequest.objects.filter(key="k-5").exists()
    assert post(client, body(), "k-5").status_code == 201


def test_keys_belong_to_their_user(world, bureau_officer, bureau_admin, api):
    assert post(api(bureau_officer), body(), "shared").status_code == 201
    response = post(api(bureau_admin), body(13, "戊餐厅"), "shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_without_a_key_every_request_runs(world, bureau_officer, api):
    client = api(bureau_officer)
    assert client.post(URL, body(), format="json").status_code == 201
    assert client.post(URL, body(), format="json").status_code == 400  # duplicate


def test_an_overlong_key_is_refused_naming_the_header(world, bureau_officer, api):
    response = post(api(bureau_officer), body(), "k" * 101)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]


def test_old_answers_are_purged(world, bureau_officer, api):
    post(api(bureau_officer), body(), "k-6")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(days=3))
    assert idempotency_purge() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_with_one_key_create_one_enterprise(
    world, bureau_officer, api
):
    results = run_concurrently(
        lambda: post(api(bureau_officer), body(), "k-7"),
        lambda: post(api(bureau_officer), body(), "k-7"),
    )
    codes = sorted(r.status_code for r in results)
    assert codes in ([201, 201], [201, 409])
    assert Enterprise.objects.filter(uscc=make_uscc(11)).count() == 1
