"""双随机 inspection plans: quotas from the tiers, a draw anyone can re-run from
the revealed seed, recusals and rotation of inspectors, published results."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from enforcement import draw, selectors, services
from enforcement.models import Enterprise, HealthCode, InspectionPlan, RiskModel
from grid.models import Membership
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db
URL = "/api/v1/enforcement/plans"


def inputs(**changes) -> dict:
    base = {
        "algorithm": draw.ALGORITHM,
        "period_days": 91,
        "tiers": {
            "green": {"inspections_per_year": "1", "sampling_ratio": "0.2"},
            "yellow": {"inspections_per_year": "2", "sampling_ratio": "0.5"},
            "red": {"inspections_per_year": "4", "sampling_ratio": "1"},
        },
        "candidates": [[n, "green"] for n in range(1, 201)]
        + [[n, "yellow"] for n in range(201, 221)]
        + [[n, "red"] for n in range(221, 226)],
        "inspectors": [11, 12, 13, 14, 15],
        "inspectors_per_target": 2,
        "recusals": [],
        "previous": [],
    }
    base.update(changes)
    return base


def test_quotas_follow_sampling_ratio_and_rounds_in_the_period():
    # green 200·0.2·1·91/365 = 9.97 → 10; yellow 20·0.5·2·91/365 = 4.99 → 5; red all 5
    assert draw.tier_quotas(inputs()) == {"red": 5, "yellow": 5, "green": 10}


def test_the_draw_is_reproducible_from_the_seed_and_differs_with_another():
    first = draw.draw("seed-a", inputs())
    assert draw.draw("seed-a", inputs()) == first
    other = draw.draw("seed-b", inputs())
    assert [t.enterprise_id for t in other] != [t.enterprise_id for t in first]
    assert len(first) == 20 and all(len(t.inspector_ids) == 2 for t in first)


def test_recused_and_previous_inspectors_are_never_drawn():
    everyone_red = [[n, "red"] for n in range(1, 11)]
    result = draw.draw(
        "seed",
        inputs(
            candidates=everyone_red,
            recusals=[[n, 11] for n in range(1, 11)],
            previous=[[n, [12, 13]] for n in range(1, 11)],
        ),
    )
    assert len(result) == 10
    assert {u for t in result for u in t.inspector_ids} == {14, 15}


def test_inspectors_share_the_work():
    result = draw.draw("seed", inputs())
    load = {}
    for target in result:
        for user in target.inspector_ids:
            load[user] = load.get(user, 0) + 1
    assert max(load.values()) - min(load.values()) <= 1


# ------------------------------------------------------------------ with a database


@pytest.fixture
def district_with_officers(world, bureau_officer, second_officer):
    officers = [bureau_officer, second_officer]
    for n in range(3):
        user = get_user_model().objects.create_user(username=f"inspector{n}")
        Membership.objects.create(
            user=user, agency=world.bureau, role=Membership.Role.BUREAU_OFFICER
        )
        officers.append(user)
    Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(500 + n),
            name=f"餐馆{n}",
            sector="catering",
            lon=121.41,
            lat=31.21,
            street=world.street_a if n % 2 else world.street_b,
        )
        for n in range(60)
    )
    services.health_codes_recompute_all()
    HealthCode.objects.filter(enterprise__name__in=["餐馆1", "餐馆2", "餐馆3"]).update(
        colour="red"
    )
    return officers


def make_plan(world, user, **changes):
    return services.plan_create(
        district=world.district,
        name="2026年第四季度双随机抽查",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        user=user,
        **changes,
    )


def test_a_plan_publishes_the_seed_hash_and_hides_the_seed_until_closed(
    api, world, district_with_officers, bureau_officer
):
    plan = make_plan(world, bureau_officer)
    assert plan.seed_sha256 == draw.sha256_hex(plan.seed)
    client = api(bureau_officer)
    shown = client.get(f"{URL}/{plan.pk}/").data
    assert shown["seed"] == "" and shown["seed_sha256"] == plan.seed_sha256
    public = api().get(f"{URL}/{plan.pk}/verification/").data
    assert public["seed"] is None and public["drawn"] == []
    assert client.post(f"{URL}/{plan.pk}/close/").status_code == 200
    public = api().get(f"{URL}/{plan.pk}/verification/").data
    assert public["seed"] == plan.seed and public["list_matches"] is True
    assert len(public["results"]) == plan.targets.count()
    assert client.post(f"{URL}/{plan.pk}/close/").status_code == 409


def test_every_red_enterprise_is_drawn_this_quarter_with_two_inspectors(
    world, district_with_officers, bureau_officer
):
    plan = make_plan(world, bureau_officer)
    red = set(
        HealthCode.objects.filter(colour="red").values_list("enterprise", flat=True)
    )
    targets = plan.targets.prefetch_related("inspectors")
    assert red <= {t.enterprise_id for t in targets}
    assert plan.quotas["red"] == 3  # ratio 1 · 4 rounds a year: all, each quarter
    assert all(t.inspectors.count() == 2 for t in targets)


def test_verify_draw_reruns_the_plan_and_a_wrong_seed_does_not_match(
    world, district_with_officers, bureau_officer
):
    plan = make_plan(world, bureau_officer)
    services.plan_close(plan=plan, user=bureau_officer)
    out = StringIO()
    call_command("verify_draw", str(plan.pk), stdout=out)
    assert "OK" in out.getvalue()
    assert services.plan_verify(plan=plan, seed="not-the-seed").ok is False
    with pytest.raises(CommandError):
        call_command("verify_draw", str(plan.pk), "--seed", "0" * 64, stdout=StringIO())


def test_recused_officers_are_skipped_and_nobody_inspects_a_place_twice_running(
    world, district_with_officers, bureau_officer
):
    recused = district_with_officers[2]
    for enterprise in Enterprise.objects.all():
        services.recusal_create(
            enterprise=enterprise,
            officer=recused,
            reason="亲属任职",
            user=bureau_officer,
        )
    first = make_plan(world, bureau_officer)
    drawn = {
        t.enterprise_id: set(t.inspectors.values_list("pk", flat=True))
        for t in first.targets.all()
    }
    assert all(recused.pk not in users for users in drawn.values())
    second = make_plan(world, bureau_officer, seed="another seed")
    for target in second.targets.all():
        before = drawn.get(target.enterprise_id, set())
        assert not before & set(target.inspectors.values_list("pk", flat=True))


def test_a_street_officer_cannot_create_plans(
    api, world, district_with_officers, officer_a
):
    response = api(officer_a).post(
        f"{URL}/",
        {
            "name": "x",
            "district": world.district.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 403


def test_a_plan_ending_before_it_starts_is_a_400(
    api, world, district_with_officers, bureau_officer
):
    response = api(bureau_officer).post(
        f"{URL}/",
        {
            "name": "倒序",
            "district": world.district.pk,
            "period_start": "2026-12-31",
            "period_end": "2026-10-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "period_end" in response.data["fields"]
    assert not InspectionPlan.objects.exists()


def test_the_plan_uses_the_active_models_tiers(
    world, district_with_officers, bureau_officer
):
    plan = make_plan(world, bureau_officer)
    assert plan.model == RiskModel.objects.active().get()
    assert set(plan.inputs["tiers"]) == {"green", "yellow", "red"}


def test_the_recusal_list_is_ordered_newest_first_so_its_pages_are_stable(
    api, world, district_with_officers, bureau_officer
):
    officer = district_with_officers[2]
    made = [
        services.recusal_create(
            enterprise=enterprise,
            officer=officer,
            reason="亲属任职",
            user=bureau_officer,
        )
        for enterprise in (world.enterprise_x, world.enterprise_y)
    ]
    response = api(bureau_officer).get("/api/v1/enforcement/recusals/")
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [made[1].pk, made[0].pk]
    assert selectors.recusal_list(user=bureau_officer).ordered
