"""Aggregates and uploads of the health-code API that the scoping harness cannot
walk generically (no queryset of their own): each is scoped like the codes."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from enforcement import services
from enforcement.models import InspectionPhoto
from tests.enforcement.conftest import record_penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def red_x(world, bureau_officer):
    record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="150000",
        decided_on=timezone.localdate() - timedelta(days=30),
        rectification_days=10,
    )
    services.health_codes_recompute_all()


def test_the_health_overview_counts_only_the_officers_own_street(
    api_client, world, officer_a, officer_b, red_x
):
    api_client.force_authenticate(officer_b)
    overview = api_client.get("/api/v1/enforcement/health-overview/").json()
    assert overview["total"] == 1
    assert [row["street"] for row in overview["by_street"]] == [world.street_b.name]
    assert overview["by_colour"]["red"] == 0
    api_client.force_authenticate(officer_a)
    overview = api_client.get("/api/v1/enforcement/health-overview/").json()
    assert [row["street"] for row in overview["by_street"]] == [world.street_a.name]
    assert overview["by_colour"]["red"] == 1


def test_the_health_overview_is_refused_to_enterprise_users(
    api_client, enterprise_user_x, red_x
):
    api_client.force_authenticate(enterprise_user_x)
    response = api_client.get("/api/v1/enforcement/health-overview/")
    assert response.status_code == 403


def test_an_unattached_photo_is_visible_only_to_its_uploader(
    world, officer_a, bureau_officer
):
    photo = InspectionPhoto.objects.create(
        file=ContentFile(b"png", name="p.png"),
        sha256="a" * 64,
        size_bytes=3,
        content_type="image/png",
        uploaded_by=officer_a,
    )
    assert list(InspectionPhoto.objects.for_user(officer_a)) == [photo]
    assert not InspectionPhoto.objects.for_user(bureau_officer).exists()


def test_a_codes_history_is_the_plain_list_the_schema_declares(
    api_client, world, bureau_officer, django_capture_on_commit_callbacks
):
    from drf_spectacular.generators import SchemaGenerator

    services.health_codes_recompute_all()  # green: the history starts here
    with django_capture_on_commit_callbacks(execute=True):
        record_penalty(
            enterprise=world.enterprise_x, user=bureau_officer, amount="150000"
        )
    api_client.force_authenticate(bureau_officer)
    url = f"/api/v1/enforcement/health-codes/{world.enterprise_x.pk}/history/"
    changes = api_client.get(url).json()
    assert [(c["from_colour"], c["to_colour"]) for c in changes] == [
        ("green", "yellow")
    ]
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][
        "/api/v1/enforcement/health-codes/{enterprise}/history/"
    ]
    body = operation["get"]["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["type"] == "array"
