"""Health codes computed from the enforcement record: decay, versions, vetoes,
events, full runs and their explanation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Notification
from enforcement import selectors, services
from enforcement.models import (
    HealthCode,
    HealthCodeChange,
    RecomputeRun,
    RiskModel,
)
from tests.enforcement.conftest import record_penalty

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def code_of(enterprise) -> HealthCode:
    return HealthCode.objects.get(enterprise=enterprise)


def factor(code: HealthCode, name: str) -> dict:
    breakdown = selectors.health_code_breakdown(code)
    return next(e for e in breakdown if e["factor"] == f"enforcement.{name}")


def test_a_penalty_one_half_life_old_counts_half(world, bureau_officer):
    record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="0",
        decided_on=TODAY() - timedelta(days=365),
    )
    record_penalty(enterprise=world.enterprise_y, user=bureau_officer, amount="0")
    services.health_codes_recompute_all()
    old = factor(code_of(world.enterprise_x), "penalty_count")
    new = factor(code_of(world.enterprise_y), "penalty_count")
    assert old["raw"] == new["raw"] == 1
    assert new["contribution"] == 10.0  # weight 10 in the shipped model
    assert old["contribution"] == pytest.approx(5.0, abs=0.01)


def test_breakdown_contributions_sum_to_the_score_and_name_the_records(
    world, bureau_officer
):
    penalty = record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="35000",
        decided_on=TODAY() - timedelta(days=40),
        rectification_days=10,
    )
    code = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    breakdown = selectors.health_code_breakdown(code)
    assert sum(Decimal(str(e["contribution"])) for e in breakdown) == code.score
    assert factor(code, "penalty_amount")["raw"] == 3.5
    assert factor(code, "penalty_count")["records"] == [penalty.pk]
    order = penalty.rectification_orders.get()
    assert factor(code, "overdue_rectifications")["records"] == [order.pk]


def test_an_open_major_violation_forces_red(world, bureau_officer):
    services.violation_record(
        enterprise=world.enterprise_x,
        law_article="《固体废物污染环境防治法》第一百一十二条",
        description="非法倾倒危险废物",
        severity="major",
        found_on=TODAY(),
        user=bureau_officer,
    )
    code = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    assert code.score < RiskModel.objects.active().get().red_from
    assert code.colour == "red"
    assert code.vetoed_by == ["enforcement.open_major_violations"]


def test_a_model_edit_makes_a_new_version_and_old_codes_keep_theirs(
    world, bureau_officer, bureau_admin, api
):
    record_penalty(enterprise=world.enterprise_x, user=bureau_officer, amount="0")
    before = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    v1 = RiskModel.objects.active().get()
    payload = {
        "name": "加重处罚权重",
        "yellow_from": "5",
        "red_from": "50",
        "factors": [
            {
                "factor": f.factor,
                "weight": str(f.weight * 3),
                "half_life_days": f.half_life_days,
                "cap": None,
                "veto_at": str(f.veto_at) if f.veto_at else None,
            }
            for f in v1.factors.all()
        ],
        "tiers": [
            {
                "colour": t.colour,
                "inspections_per_year": str(t.inspections_per_year),
                "sampling_ratio": str(t.sampling_ratio),
            }
            for t in v1.tiers.all()
        ],
    }
    response = api(bureau_admin).post(
        "/api/v1/enforcement/risk-models/", payload, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["version"] == v1.version + 1
    kept = code_of(world.enterprise_x)
    assert (kept.model_id, kept.score, kept.colour) == (
        v1.pk,
        before.score,
        before.colour,
    )
    after = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    assert after.model.version == v1.version + 1
    assert after.score == before.score * 3 and after.colour == "yellow"
    v1.refresh_from_db()
    assert not v1.is_active and v1.factors.count() == len(payload["factors"])
    change = HealthCodeChange.objects.get(enterprise=world.enterprise_x)
    assert (change.from_colour, change.to_colour) == ("green", "yellow")
    assert change.model.version == v1.version + 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"yellow_from": "60", "red_from": "50"}, "red_from"),
        ({"factor_weight": "-1"}, "factors"),
        ({"tier_ratio": "1.5"}, "tiers"),
    ],
)
def test_an_invalid_model_cannot_be_saved(world, bureau_admin, api, change, field):
    v1 = RiskModel.objects.active().get()
    versions = RiskModel.objects.count()  # the shipped versions
    factors = [{"factor": f.factor, "weight": str(f.weight)} for f in v1.factors.all()]
    if "factor_weight" in change:
        factors[0]["weight"] = change["factor_weight"]
    tiers = [
        {"colour": t.colour, "inspections_per_year": "1", "sampling_ratio": "0.1"}
        for t in v1.tiers.all()
    ]
    if "tier_ratio" in change:
        tiers[0]["sampling_ratio"] = change["tier_ratio"]
    response = api(bureau_admin).post(
        "/api/v1/enforcement/risk-models/",
        {
            "name": "坏模型",
            "yellow_from": change.get("yellow_from", "20"),
            "red_from": change.get("red_from", "50"),
            "factors": factors,
            "tiers": tiers,
        },
        format="json",
    )
    assert response.status_code == 400
    assert field in response.data["fields"]
    assert RiskModel.objects.count() == versions
    assert RiskModel.objects.active().get() == v1


def test_a_new_penalty_recomputes_its_enterprise_once_committed(
    world, bureau_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_penalty(enterprise=world.enterprise_x, user=bureau_officer)
        assert not HealthCode.objects.filter(enterprise=world.enterprise_x).exists()
    assert len(callbacks) == 1  # violation, penalty and order: one recompute
    for callback in callbacks:
        callback()
    code = code_of(world.enterprise_x)
    assert factor(code, "penalty_count")["raw"] == 1
    assert not HealthCode.objects.filter(enterprise=world.enterprise_y).exists()


def test_a_transaction_queues_one_recompute_per_enterprise(
    world, django_capture_on_commit_callbacks
):
    x, y = world.enterprise_x.pk, world.enterprise_y.pk
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.health_code_request_recompute(enterprise_id=x)
        services.health_code_request_recompute(enterprise_id=y)
        services.health_code_request_recompute(enterprise_id=x)
    assert sorted(callback.enterprise_id for callback in callbacks) == sorted([x, y])


def test_a_colour_change_notifies_the_officers_responsible_for_the_street(
    world, bureau_officer, officer_a, officer_b, django_capture_on_commit_callbacks
):
    services.health_codes_recompute_all()
    assert code_of(world.enterprise_x).colour == "green"
    with django_capture_on_commit_callbacks(execute=True):
        record_penalty(
            enterprise=world.enterprise_x,
            user=bureau_officer,
            amount="200000",
            rectification_days=0,
            decided_on=TODAY() - timedelta(days=3),
        )
    code = code_of(world.enterprise_x)
    assert code.colour == "red"
    change = HealthCodeChange.objects.get(enterprise=world.enterprise_x)
    assert (change.from_colour, change.to_colour, change.trigger) == (
        "green",
        "red",
        "event",
    )
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"bureau_officer", "officer_a"}  # not street B's officer


def test_a_full_run_tells_each_officer_once_about_the_changes_in_their_area(
    world, bureau_officer, officer_a, officer_b
):
    services.health_codes_recompute_all()
    for enterprise in (world.enterprise_x, world.enterprise_y):
        record_penalty(  # no event recompute: the callbacks are not run
            enterprise=enterprise,
            user=bureau_officer,
            amount="200000",
            rectification_days=0,
            decided_on=TODAY() - timedelta(days=3),
        )
    services.health_codes_recompute_all(now=timezone.now() + timedelta(minutes=1))
    assert {code.colour for code in HealthCode.objects.all()} == {"red"}
    notices = {n.user.username: n for n in Notification.objects.select_related("user")}
    assert sorted(notices) == ["bureau_officer", "officer_a", "officer_b"]
    for username, theirs, not_theirs in [
        ("bureau_officer", world.enterprise_x, world.enterprise_y),  # covers A
        ("officer_a", world.enterprise_x, world.enterprise_y),
        ("officer_b", world.enterprise_y, world.enterprise_x),
    ]:
        notice = notices[username]
        assert theirs.name in notice.body and not_theirs.name not in notice.body
        assert notice.title == "健康码重算：1 家企业变色（其中 1 家转为红码）"
    assert all(n.urgent and n.url == "/enterprises/health/" for n in notices.values())
    assert HealthCodeChange.objects.filter(trigger="scheduled").count() == 2


def test_the_initial_run_starts_the_history_and_later_first_codes_are_changes(
    world, bureau_officer
):
    from enforcement.models import Enterprise
    from tests.conftest import make_uscc

    record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="200000",
        rectification_days=0,
        decided_on=TODAY() - timedelta(days=3),
    )
    initial = services.health_codes_recompute_all()
    assert initial.initial and code_of(world.enterprise_x).colour == "red"
    assert not HealthCodeChange.objects.exists()  # the starting point
    newcomer = Enterprise.objects.create(
        uscc=make_uscc(3),
        name="丙印刷",
        sector="industrial",
        lon=121.41,
        lat=31.21,
        street=world.street_a,
        grid_cell=world.cell_a,
    )
    record_penalty(
        enterprise=newcomer,
        user=bureau_officer,
        amount="200000",
        rectification_days=0,
        decided_on=TODAY() - timedelta(days=3),
    )
    later = services.health_codes_recompute_all(
        now=timezone.now() + timedelta(minutes=1)
    )
    assert not later.initial
    change = HealthCodeChange.objects.get()
    assert (change.enterprise_id, change.from_colour, change.to_colour) == (
        newcomer.pk,
        "",
        "red",
    )
    assert {e["factor"] for e in change.breakdown} >= {"enforcement.penalty_count"}
    assert all(e["records"] for e in change.breakdown if e["records_total"])


def test_a_full_run_is_resumable_and_shows_progress(world, bureau_officer):
    record_penalty(enterprise=world.enterprise_y, user=bureau_officer)
    first = services.health_codes_recompute_all(chunk_size=1, max_chunks=1)
    assert (first.status, first.done, first.total) == ("running", 1, 2)
    assert HealthCode.objects.count() == 1
    resumed = services.health_codes_recompute_all(chunk_size=1)
    assert resumed.pk == first.pk
    assert (resumed.status, resumed.done, resumed.percent) == ("finished", 2, 100)
    assert HealthCode.objects.count() == 2
    assert RecomputeRun.objects.count() == 1


def test_a_full_runs_queries_do_not_grow_with_the_number_of_enterprises(
    world, bureau_officer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_restaurants

    record_penalty(enterprise=world.enterprise_x, user=bureau_officer)
    with CaptureQueriesContext(connection) as few:
        services.health_codes_recompute_all()
    make_restaurants(world.street_a, 60, first_serial=1000)
    with CaptureQueriesContext(connection) as many:
        run = services.health_codes_recompute_all(now=timezone.now())
    assert run.done == 62
    assert len(many) <= len(few) + 2  # a new run row; never a query per enterprise


def test_explanation_links_the_records_and_says_when_it_turns_green(
    world, bureau_officer
):
    penalty = record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="100000",
        decided_on=TODAY() - timedelta(days=20),
        rectification_days=60,
    )
    code = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    assert code.colour in ("yellow", "red")
    explanation = selectors.health_code_explain(code=code)
    titles = [record.title for _line, record in explanation.top_records]
    assert penalty.decision_number in titles
    assert all(record.url for _line, record in explanation.top_records)
    remedies = [step.name for step in explanation.path.steps]
    assert remedies == ["enforcement.open_rectifications"]
    assert explanation.path.green_on > code.as_of


def test_an_enterprise_user_sees_their_own_code_only(
    world, bureau_officer, enterprise_user_x, api
):
    services.health_codes_recompute_all()
    client = api(enterprise_user_x)
    listed = client.get("/api/v1/enforcement/health-codes/").data["results"]
    assert [row["enterprise"] for row in listed] == [world.enterprise_x.pk]
    mine = client.get(
        f"/api/v1/enforcement/health-codes/{world.enterprise_x.pk}/explanation/"
    )
    assert mine.status_code == 200 and mine.data["code"]["colour"] == "green"
    other = client.get(f"/api/v1/enforcement/health-codes/{world.enterprise_y.pk}/")
    assert other.status_code == 404


def test_a_full_run_and_an_event_recompute_give_the_same_code(
    world, bureau_officer, second_officer, catering_template
):
    """On PostgreSQL full runs score in SQL and events in Python: they agree."""
    from tests.enforcement.conftest import record_inspection

    record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="123456.78",
        decided_on=TODAY() - timedelta(days=77),
        rectification_days=30,
    )
    record_penalty(
        enterprise=world.enterprise_x,
        user=bureau_officer,
        amount="0",
        severity="major",
        decided_on=TODAY() - timedelta(days=400),
    )
    record_inspection(
        enterprise=world.enterprise_y,
        officers=[bureau_officer, second_officer],
        template=catering_template,
        result="issues_found",
        inspected_on=TODAY() - timedelta(days=33),
    )
    services.health_codes_recompute_all()
    full = {
        c.enterprise_id: (c.score, c.colour, c.vetoed_by, c.top_factor)
        for c in HealthCode.objects.all()
    }
    breakdowns = selectors.health_code_breakdowns(HealthCode.objects.all())
    for enterprise in (world.enterprise_x, world.enterprise_y):
        score = full[enterprise.pk][0]
        contributions = [e["contribution"] for e in breakdowns[enterprise.pk]]
        assert sum(Decimal(str(c)) for c in contributions) == score > 0
        code = services.health_code_recompute(enterprise_id=enterprise.pk)
        assert (code.score, code.colour, code.vetoed_by, code.top_factor) == full[
            enterprise.pk
        ]
    assert full[world.enterprise_x.pk][1] == "red"  # the open major violation
    assert full[world.enterprise_x.pk][3] == "enforcement.open_major_violations"
    assert full[world.enterprise_y.pk][3] == "enforcement.inspections_with_issues"


def test_an_aggregate_factor_counts_the_same_in_a_full_run_and_an_event(
    world, bureau_officer, monkeypatch
):
    """A factor given as ``{enterprise_id: value}`` (the credit colour) scores
    the same in a full run (in SQL on PostgreSQL) as after an event."""
    from enforcement import registry

    credit = registry.factor_get("credit.colour")
    monkeypatch.setitem(
        registry._factors,
        "credit.colour",
        registry.Factor(
            name=credit.name,
            label=credit.label,
            unit=credit.unit,
            provider=lambda *, as_of: {
                world.enterprise_x.pk: 2,
                world.enterprise_y.pk: 0,
            },
        ),
    )
    services.health_codes_recompute_all()
    x, y = code_of(world.enterprise_x), code_of(world.enterprise_y)
    breakdowns = selectors.health_code_breakdowns([x, y])
    entry = next(
        e for e in breakdowns[x.enterprise_id] if e["factor"] == "credit.colour"
    )
    assert entry["raw"] == entry["decayed"] == 2
    assert entry["records_total"] == 0 and entry["records"] == []
    assert x.score == Decimal(str(entry["contribution"])) > 0
    assert x.top_factor == "credit.colour"
    assert breakdowns[y.enterprise_id] == []  # a green credit code adds nothing
    assert (y.score, y.top_factor) == (0, "")
    again = services.health_code_recompute(enterprise_id=world.enterprise_x.pk)
    assert (again.score, again.colour, again.top_factor) == (
        x.score,
        x.colour,
        x.top_factor,
    )
