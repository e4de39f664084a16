"""The credit API: scoping per role, fixed queries, errors naming the field."""

from datetime import timedelta

import pytest

from tests.credit.conftest import T0

pytestmark = pytest.mark.django_db


def test_an_enterprise_user_cannot_see_another_enterprises_assessment(
    open_cycle, world, api, enterprise_user_x, enterprise_user_y
):
    from credit.models import Evaluation

    evaluation = Evaluation.objects.get(enterprise=world.enterprise_x)
    assert (
        api(enterprise_user_x)
        .get(f"/api/v1/credit/evaluations/{evaluation.pk}/")
        .status_code
        == 200
    )
    assert (
        api(enterprise_user_y)
        .get(f"/api/v1/credit/evaluations/{evaluation.pk}/")
        .status_code
        == 404
    )
    assert api(enterprise_user_y).get("/api/v1/credit/evaluations/").data["count"] == 0


def test_an_enterprise_user_cannot_open_another_enterprises_assessment_page(
    open_cycle, world, client, enterprise_user_y
):
    from credit.models import Evaluation

    evaluation = Evaluation.objects.get(enterprise=world.enterprise_x)
    client.force_login(enterprise_user_y)
    assert client.get(f"/credit/evaluations/{evaluation.pk}/").status_code == 404
    assert (
        client.get(f"/credit/evaluations/{evaluation.pk}/self-assessment/").status_code
        == 404
    )


def test_a_street_b_officer_sees_no_street_a_evaluations(open_cycle, api, officer_b):
    assert api(officer_b).get("/api/v1/credit/evaluations/").data["count"] == 0


def test_evaluation_list_uses_a_fixed_number_of_queries(
    published, api, bureau_admin, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = api(bureau_admin).get("/api/v1/credit/evaluations/")
    assert response.status_code == 200 and response.data["count"] == 1


def test_opening_a_cycle_through_the_api_and_bad_dates_name_the_field(
    world, api, bureau_admin, catering
):
    body = {
        "scheme": catering.pk,
        "district": world.district.pk,
        "name": "API 周期",
        "period_start": "2026-10-01",
        "period_end": "2026-09-01",
        "self_assessment_due": "2099-01-01T00:00:00Z",
    }
    response = api(bureau_admin).post("/api/v1/credit/cycles/", body, format="json")
    assert response.status_code == 400
    assert "period_end" in response.data["fields"]
    body["period_end"] = "2026-10-31"
    response = api(bureau_admin).post("/api/v1/credit/cycles/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["state"] == "open"
    # the answer counts the cycle's evaluations as the list does
    listed = api(bureau_admin).get(f"/api/v1/credit/cycles/{response.data['id']}/")
    assert response.data["evaluation_count"] == listed.data["evaluation_count"]
    assert isinstance(response.data["evaluation_count"], int)


def test_a_cycle_action_answers_with_the_cycles_evaluation_count(
    open_cycle, api, bureau_admin
):
    response = api(bureau_admin).post(f"/api/v1/credit/cycles/{open_cycle.pk}/close/")
    assert response.status_code == 200, response.data
    assert response.data["evaluation_count"] == open_cycle.evaluations.count() > 0


def test_a_cycle_cannot_name_a_district_or_street_outside_the_users_scope(
    world, api, bureau_admin, catering
):
    from credit.models import Cycle
    from grid.models import Street

    foreign = Street.objects.create(
        district=world.partner_district, code="P", name="邻街道"
    )
    body = {
        "scheme": catering.pk,
        "district": world.district.pk,
        "streets": [world.street_a.pk, foreign.pk],
        "name": "API 周期",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "self_assessment_due": "2099-01-01T00:00:00Z",
    }
    client = api(bureau_admin)
    response = client.post("/api/v1/credit/cycles/", body, format="json")
    assert response.status_code == 400
    assert "对象不存在" in response.data["fields"]["streets"][0]
    body.update(district=world.partner_district.pk, streets=[])
    response = client.post("/api/v1/credit/cycles/", body, format="json")
    assert response.status_code == 400
    assert "district" in response.data["fields"]
    assert not Cycle.objects.exists()


def test_enterprise_users_cannot_run_staff_actions(open_cycle, api, enterprise_user_x):
    response = api(enterprise_user_x).post(
        f"/api/v1/credit/cycles/{open_cycle.pk}/close/"
    )
    assert response.status_code in (403, 404)


def test_self_assessment_over_the_api_reports_the_missing_item_in_chinese(
    open_cycle, world, api, enterprise_user_x, monkeypatch
):
    from django.utils import timezone

    from credit.models import Evaluation

    monkeypatch.setattr(timezone, "now", lambda: T0 + timedelta(days=1))

    evaluation = Evaluation.objects.get(enterprise=world.enterprise_x)
    response = api(enterprise_user_x).post(
        f"/api/v1/credit/evaluations/{evaluation.pk}/self-assessment/",
        {"answers": {"C01": {"value": "yes"}}},
        format="json",
    )
    assert response.status_code == 400
    assert "C02" in response.data["fields"]
    assert response.data["fields"]["C02"] == ["请回答此项。"]


def test_appeal_out_of_time_is_a_400_naming_the_field(
    published, world, api, enterprise_user_x, monkeypatch
):
    from django.utils import timezone

    late = published.published_at + timedelta(days=published.appeal_days, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    response = api(enterprise_user_x).post(
        "/api/v1/credit/appeals/",
        {"enterprise": world.enterprise_x.pk, "reason": "迟"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "code" in response.data["fields"]


def test_public_results_api_needs_no_login(published, api):
    response = api().get(f"/api/v1/credit/public/cycles/{published.pk}/results/")
    assert response.status_code == 200
    assert response.data["results"][0]["colour"] == "green"
    assert set(response.data["results"][0]) == {
        "name",
        "address",
        "sector",
        "street",
        "colour",
    }


def test_clock_fixture_is_in_the_past():
    assert T0.year == 2026
