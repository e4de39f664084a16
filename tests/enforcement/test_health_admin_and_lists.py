"""The risk model in the admin (an edit is a new version), the enterprise file's
timeline, and list endpoints with a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from enforcement import selectors, services
from enforcement.models import HealthCode, RiskModel
from enforcement.registry import factors
from tests.enforcement.conftest import record_inspection, record_penalty

pytestmark = pytest.mark.django_db


def _admin_form(model: RiskModel, **changes) -> dict:
    data = {
        "name": model.name,
        "note": "调高罚款权重",
        "yellow_from": str(model.yellow_from),
        "red_from": str(model.red_from),
        "factors-TOTAL_FORMS": str(model.factors.count()),
        "factors-INITIAL_FORMS": str(model.factors.count()),
        "factors-MIN_NUM_FORMS": "0",
        "factors-MAX_NUM_FORMS": "1000",
        "tiers-TOTAL_FORMS": "3",
        "tiers-INITIAL_FORMS": "3",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "3",
    }
    for n, factor in enumerate(model.factors.order_by("pk")):
        data.update(
            {
                f"factors-{n}-id": str(factor.pk),
                f"factors-{n}-model": str(model.pk),
                f"factors-{n}-factor": factor.factor,
                f"factors-{n}-weight": str(factor.weight),
                f"factors-{n}-half_life_days": factor.half_life_days or "",
                f"factors-{n}-cap": "" if factor.cap is None else str(factor.cap),
                f"factors-{n}-veto_at": ""
                if factor.veto_at is None
                else str(factor.veto_at),
            }
        )
    for n, tier in enumerate(model.tiers.order_by("pk")):
        data.update(
            {
                f"tiers-{n}-id": str(tier.pk),
                f"tiers-{n}-model": str(model.pk),
                f"tiers-{n}-colour": tier.colour,
                f"tiers-{n}-inspections_per_year": str(tier.inspections_per_year),
                f"tiers-{n}-sampling_ratio": str(tier.sampling_ratio),
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(user)
    return client


def test_saving_a_risk_model_in_the_admin_makes_a_new_active_version(
    admin_client, world, bureau_officer
):
    record_penalty(enterprise=world.enterprise_x, user=bureau_officer)
    services.health_codes_recompute_all()
    v1 = RiskModel.objects.active().get()
    before = HealthCode.objects.get(enterprise=world.enterprise_x)
    response = admin_client.post(
        f"/admin/enforcement/riskmodel/{v1.pk}/change/",
        _admin_form(v1, **{"factors-0-weight": "99"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    v1.refresh_from_db()
    v2 = RiskModel.objects.active().get()
    assert (v2.version, v1.is_active) == (v1.version + 1, False)
    assert v1.factors.order_by("pk").first().weight != 99  # v1 unchanged
    assert v2.factors.filter(weight=99).count() == 1
    kept = HealthCode.objects.get(enterprise=world.enterprise_x)
    assert (kept.model_id, kept.score) == (v1.pk, before.score)


def test_thresholds_that_do_not_increase_cannot_be_saved_in_the_admin(
    admin_client, world
):
    v1 = RiskModel.objects.active().get()
    versions = RiskModel.objects.count()  # the shipped versions
    response = admin_client.post(
        f"/admin/enforcement/riskmodel/{v1.pk}/change/",
        _admin_form(v1, yellow_from="60", red_from="50"),
    )
    assert response.status_code == 200  # the form again, with the error
    assert RiskModel.objects.count() == versions


def test_a_negative_weight_cannot_be_saved_in_the_admin(admin_client, world):
    v1 = RiskModel.objects.active().get()
    versions = RiskModel.objects.count()  # the shipped versions
    response = admin_client.post(
        f"/admin/enforcement/riskmodel/{v1.pk}/change/",
        _admin_form(v1, **{"factors-0-weight": "-1"}),
    )
    assert response.status_code == 200
    assert RiskModel.objects.count() == versions


def test_inspections_and_penalties_appear_on_the_enterprise_timeline(
    world, bureau_officer, second_officer, catering_template
):
    record_inspection(
        enterprise=world.enterprise_x,
        officers=[bureau_officer, second_officer],
        template=catering_template,
        inspected_on=timezone.localdate() - timedelta(days=3),
    )
    penalty = record_penalty(
        enterprise=world.enterprise_x, user=bureau_officer, amount="100000"
    )
    services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    events = selectors.enterprise_timeline(
        enterprise=world.enterprise_x, user=bureau_officer
    )
    sources = {event.source for event in events}
    assert {"inspections", "cases", "health_code", "registry"} <= sources
    assert any(penalty.decision_number in event.title for event in events)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enforcement/violations/",
        "/api/v1/enforcement/penalties/",
        "/api/v1/enforcement/rectifications/",
        "/api/v1/enforcement/health-codes/",
        "/api/v1/enforcement/plans/",
    ],
)
def test_list_endpoints_use_a_fixed_number_of_queries(
    api, world, bureau_officer, second_officer, path, django_assert_max_num_queries
):
    for days in range(6):
        record_penalty(
            enterprise=world.enterprise_x if days % 2 else world.enterprise_y,
            user=bureau_officer,
            decided_on=timezone.localdate() - timedelta(days=days),
            rectification_days=30,
        )
    services.health_codes_recompute_all()
    services.plan_create(
        district=world.district,
        name="抽查",
        period_start=timezone.localdate(),
        period_end=timezone.localdate() + timedelta(days=90),
        user=bureau_officer,
    )
    client = api(bureau_officer)
    limit = 8
    if path.endswith("/health-codes/"):
        # the page's breakdowns, worked out from the records: the risk model and
        # its factors, then one query for every factor (PostgreSQL) or one per
        # factor (SQLite), and the aggregate factors' own
        limit += 2 + (1 if connection.vendor == "postgresql" else len(factors()))
        limit += 1  # the credit colour
    with django_assert_max_num_queries(limit):
        response = client.get(path)
    assert response.status_code == 200 and response.data["count"] >= 1
