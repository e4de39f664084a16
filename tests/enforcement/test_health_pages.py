"""The health-code pages in the browser, in Chinese: overview, the enterprise
file's why and way back to green, the inspection form, the case page, plans."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enforcement import services
from enforcement.models import InspectionPlan, PenaltyDecision, Violation
from tests.enforcement.conftest import record_penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_x(world, bureau_officer):
    penalty = record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="150000",
        decided_on=timezone.localdate() - timedelta(days=30),
        rectification_days=10,
    )
    services.health_codes_recompute_all()
    return penalty


def test_the_overview_counts_colours_by_street_in_chinese(
    client, world, bureau_officer, red_x
):
    client.force_login(bureau_officer)
    page = client.get("/enterprises/health/").content.decode()
    assert "风险总览" in page and "红码" in page
    assert world.street_a.name in page and world.enterprise_x.name in page


def test_the_enterprise_file_shows_which_records_made_it_red_and_the_way_back(
    client, world, bureau_officer, red_x
):
    client.force_login(bureau_officer)
    page = client.get(world.enterprise_x.get_absolute_url()).content.decode()
    assert red_x.decision_number in page
    assert red_x.violation.get_absolute_url() in page
    assert "如何恢复绿码" in page
    assert "逾期" in page


def test_the_enterprise_user_sees_their_code_and_its_reasons(
    client, world, enterprise_user_x, red_x
):
    client.force_login(enterprise_user_x)
    page = client.get(world.enterprise_x.get_absolute_url()).content.decode()
    assert "健康码" in page and red_x.decision_number in page
    assert client.get(world.enterprise_y.get_absolute_url()).status_code == 404


def test_the_inspection_form_renders_the_checklist_for_a_phone(
    client, world, bureau_officer
):
    client.force_login(bureau_officer)
    response = client.get(f"/enterprises/{world.enterprise_x.pk}/inspections/new/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="mobile"' in page and "inspection_form.js" in page
    assert "DB31/844" in page  # the catering checklist's fume limit
    assert "<script>" not in page.split("</main>")[0]  # no inline script (CSP)


def test_a_penalty_decided_on_the_case_page_turns_the_code(
    client, world, bureau_officer, django_capture_on_commit_callbacks
):
    services.health_codes_recompute_all()
    client.force_login(bureau_officer)
    response = client.post(
        f"/enterprises/{world.enterprise_x.pk}/violations/new/",
        {
            "law_article": "《大气污染防治法》第八十一条",
            "description": "油烟直排",
            "severity": "general",
            "found_on": timezone.localdate().isoformat(),
        },
    )
    violation = Violation.objects.get()
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/enterprises/violations/{violation.pk}/penalty/",
            {
                "decision_number": "示环罚〔2026〕88号",
                "decided_on": timezone.localdate().isoformat(),
                "amount_yuan": "300000",
                "measures": ["fine", "order_to_correct"],
                "rectification_deadline": (
                    timezone.localdate() + timedelta(days=15)
                ).isoformat(),
                "rectification_requirements": "加装油烟净化设施",
            },
        )
    assert response.status_code == 302
    assert PenaltyDecision.objects.get().amount_yuan == 300000
    page = client.get(world.enterprise_x.get_absolute_url()).content.decode()
    assert "黄码" in page or "红码" in page


def test_a_bad_penalty_on_the_case_page_names_the_field(client, world, bureau_officer):
    violation = services.violation_record(
        enterprise=world.enterprise_x,
        law_article="x",
        description="y",
        severity="minor",
        found_on=timezone.localdate(),
        user=bureau_officer,
    )
    client.force_login(bureau_officer)
    response = client.post(
        f"/enterprises/violations/{violation.pk}/penalty/",
        {
            "decision_number": "示环罚〔2026〕89号",
            "decided_on": timezone.localdate().isoformat(),
            "amount_yuan": "100",
            "measures": ["warning"],
        },
    )
    assert response.status_code == 400
    assert "罚款" in response.content.decode()
    assert not PenaltyDecision.objects.exists()


def test_plans_are_drawn_closed_and_verified_in_the_browser(
    client, world, bureau_officer, second_officer
):
    services.health_codes_recompute_all()
    client.force_login(bureau_officer)
    assert "新建计划" in client.get("/enterprises/plans/").content.decode()
    response = client.post(
        "/enterprises/plans/new/",
        {
            "name": "第四季度抽查",
            "district": world.district.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "inspectors_per_target": 2,
        },
    )
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302
    detail = client.get(plan.get_absolute_url()).content.decode()
    assert plan.seed_sha256 in detail and plan.seed not in detail
    public = client.get(f"/enterprises/plans/{plan.pk}/public/").content.decode()
    assert plan.seed not in public
    client.post(f"/enterprises/plans/{plan.pk}/close/")
    client.logout()
    public = client.get(f"/enterprises/plans/{plan.pk}/public/").content.decode()
    assert plan.seed in public and "重新运行抽取得到相同名单" in public


def test_a_street_officer_gets_404_for_another_streets_case(
    client, world, bureau_officer, officer_a
):
    violation = services.violation_record(
        enterprise=world.enterprise_y,
        law_article="x",
        description="y",
        severity="minor",
        found_on=date.today(),
        user=bureau_officer,
    )
    client.force_login(officer_a)
    assert client.get(violation.get_absolute_url()).status_code == 404
