"""An evaluation cycle from opening to publication, with a frozen service clock."""

from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidInput, PermissionDenied
from credit import services
from credit.models import CreditCode, CreditEvent, Cycle, Evaluation, Sticker
from tests.credit.conftest import T0, answers_for

pytestmark = pytest.mark.django_db


def test_opening_a_cycle_creates_an_evaluation_for_each_enterprise_of_the_sector(
    open_cycle, world
):
    assert list(
        Evaluation.objects.filter(cycle=open_cycle).values_list("enterprise", flat=True)
    ) == [world.enterprise_x.pk]  # the auto-repair shop is not catering


def test_a_street_officer_cannot_open_a_cycle(world, officer_a, catering):
    with pytest.raises(PermissionDenied):
        services.cycle_open(
            user=officer_a,
            scheme=catering,
            district=world.district,
            name="x",
            period_start=T0.date(),
            period_end=T0.date(),
            self_assessment_due=T0 + timedelta(days=1),
            now=T0,
        )


def test_self_assessment_gives_a_preliminary_colour_by_the_published_rule(
    evaluation_x, enterprise_user_x, catering
):
    evaluation = services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering, no={"C02", "C06", "C04"}),
        now=T0 + timedelta(days=1),
    )
    # 15+8+8+10+6+5+5 = 57 of 85 applicable points = 67.1 → yellow (≥ 60, < 85)
    assert evaluation.self_score == 67.1
    assert evaluation.preliminary_colour == "yellow"
    assert evaluation.reasons[-1] == {
        "kind": "score",
        "value": 67.1,
        "colour": "yellow",
    }


def test_a_veto_answer_forces_red(evaluation_x, enterprise_user_x, catering):
    evaluation = services.evaluation_self_assess(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        answers=answers_for(catering, no={"CV1"}),
        now=T0 + timedelta(days=1),
    )
    assert evaluation.self_score == 100
    assert evaluation.veto_failed
    assert evaluation.preliminary_colour == "red"


def test_missing_required_evidence_names_the_item_and_saves_nothing(
    evaluation_x, enterprise_user_x, catering
):
    with pytest.raises(InvalidInput) as error:
        services.evaluation_self_assess(
            evaluation=evaluation_x,
            user=enterprise_user_x,
            answers=answers_for(catering, evidence=False),
            now=T0 + timedelta(days=1),
        )
    assert "C01" in error.value.fields
    assert "净化设施照片" in error.value.fields["C01"][0]
    evaluation_x.refresh_from_db()
    assert evaluation_x.submitted_at is None
    assert not evaluation_x.answers.exists()


def test_not_applicable_is_refused_for_an_item_that_always_applies(
    evaluation_x, enterprise_user_x, catering
):
    with pytest.raises(InvalidInput) as error:
        services.evaluation_self_assess(
            evaluation=evaluation_x,
            user=enterprise_user_x,
            answers=answers_for(catering, na={"C05"}),
            now=T0 + timedelta(days=1),
        )
    assert list(error.value.fields) == ["C05"]


def test_self_assessment_after_the_deadline_is_refused_with_the_date(
    evaluation_x, enterprise_user_x, catering
):
    with pytest.raises(Conflict) as error:
        services.evaluation_self_assess(
            evaluation=evaluation_x,
            user=enterprise_user_x,
            answers=answers_for(catering),
            now=T0 + timedelta(days=7, seconds=1),
        )
    assert "2026-10-08" in str(error.value.detail)


def test_another_enterprise_cannot_self_assess_for_x(
    evaluation_x, enterprise_user_y, catering
):
    with pytest.raises(PermissionDenied):
        services.evaluation_self_assess(
            evaluation=evaluation_x,
            user=enterprise_user_y,
            answers=answers_for(catering),
            now=T0 + timedelta(days=1),
        )


def test_enterprises_that_did_not_self_assess_get_a_flagged_result_from_records(
    open_cycle, evaluation_x, bureau_admin
):
    services.cycle_close_self_assessment(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=8)
    )
    evaluation_x.refresh_from_db()
    assert evaluation_x.no_self_assessment
    assert evaluation_x.preliminary_colour == "yellow"  # the rule's cap


def test_an_adjustment_needs_a_reason_and_is_on_the_record(
    open_cycle, evaluation_x, bureau_admin
):
    services.cycle_close_self_assessment(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=8)
    )
    with pytest.raises(InvalidInput) as error:
        services.evaluation_adjust(
            evaluation=evaluation_x, user=bureau_admin, colour="red", reason=" "
        )
    assert "reason" in error.value.fields
    services.evaluation_adjust(
        evaluation=evaluation_x,
        user=bureau_admin,
        colour="red",
        reason="现场核查发现直排",
    )
    evaluation_x.refresh_from_db()
    assert evaluation_x.proposed_colour == "red"
    assert CreditEvent.objects.filter(
        subject="evaluation", action="adjusted", reason="现场核查发现直排"
    ).exists()


def test_objections_are_accepted_only_while_the_notice_runs(
    open_cycle, evaluation_x, bureau_admin, enterprise_user_x
):
    services.cycle_close_self_assessment(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=8)
    )
    cycle = services.cycle_start_notice(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=9)
    )
    assert cycle.notice_ends_at == T0 + timedelta(days=9 + 15)  # default 15 days
    services.objection_file(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        text="我们已提交清洗记录",
        now=cycle.notice_ends_at - timedelta(seconds=1),
    )
    with pytest.raises(InvalidInput) as error:
        services.objection_file(
            evaluation=evaluation_x,
            user=enterprise_user_x,
            text="迟到的异议",
            now=cycle.notice_ends_at,
        )
    assert "2026-10-25" in error.value.fields["text"][0]


def test_publishing_waits_for_the_notice_window_and_the_open_objections(
    open_cycle, evaluation_x, bureau_admin, enterprise_user_x
):
    services.cycle_close_self_assessment(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=8)
    )
    cycle = services.cycle_start_notice(
        cycle=open_cycle, user=bureau_admin, now=T0 + timedelta(days=9)
    )
    objection = services.objection_file(
        evaluation=evaluation_x,
        user=enterprise_user_x,
        text="异议",
        now=T0 + timedelta(days=10),
    )
    with pytest.raises(Conflict) as error:
        services.cycle_publish(
            cycle=cycle,
            user=bureau_admin,
            now=cycle.notice_ends_at - timedelta(minutes=1),
        )
    assert error.value.code == "notice_running"
    with pytest.raises(Conflict) as error:
        services.cycle_publish(cycle=cycle, user=bureau_admin, now=cycle.notice_ends_at)
    assert error.value.code == "objections_open"
    services.objection_resolve(
        objection=objection,
        user=bureau_admin,
        upheld=True,
        resolution="复核后改为绿色",
        colour="green",
        now=T0 + timedelta(days=11),
    )
    cycle = services.cycle_publish(
        cycle=cycle, user=bureau_admin, now=cycle.notice_ends_at
    )
    assert cycle.state == Cycle.State.PUBLISHED
    code = CreditCode.objects.get(enterprise=evaluation_x.enterprise, is_current=True)
    assert code.colour == "green"
    assert code.valid_until == cycle.valid_until


def test_publishing_issues_one_code_and_one_sticker_per_enterprise(published, world):
    code = CreditCode.objects.get(enterprise=world.enterprise_x, is_current=True)
    assert code.colour == "green"
    sticker = Sticker.objects.get(enterprise=world.enterprise_x)
    assert sticker.code == code and sticker.revoked_at is None


def test_a_second_publication_supersedes_the_first_code_and_sticker(
    published, world, bureau_admin, catering
):
    first_sticker = Sticker.objects.get(enterprise=world.enterprise_x)
    cycle = services.cycle_open(
        user=bureau_admin,
        scheme=catering,
        district=world.district,
        name="10月",
        period_start=T0.date(),
        period_end=T0.date() + timedelta(days=30),
        self_assessment_due=T0 + timedelta(days=40),
        now=T0 + timedelta(days=30),
    )
    services.cycle_close_self_assessment(
        cycle=cycle, user=bureau_admin, now=T0 + timedelta(days=41)
    )
    cycle = services.cycle_start_notice(
        cycle=cycle, user=bureau_admin, now=T0 + timedelta(days=41)
    )
    cycle = services.cycle_publish(
        cycle=cycle, user=bureau_admin, now=cycle.notice_ends_at
    )
    codes = CreditCode.objects.filter(enterprise=world.enterprise_x)
    assert codes.count() == 2
    assert codes.get(is_current=True).colour == "yellow"  # no self-assessment
    first_sticker.refresh_from_db()
    assert first_sticker.revoked_at == cycle.published_at


def test_illegal_transitions_are_conflicts(open_cycle, bureau_admin):
    with pytest.raises(Conflict):
        services.cycle_start_notice(cycle=open_cycle, user=bureau_admin)
    with pytest.raises(Conflict):
        services.cycle_publish(cycle=open_cycle, user=bureau_admin)
