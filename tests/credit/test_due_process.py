"""Appeal, right to reply and credit repair, with their clocks and reviewers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, InvalidInput, PermissionDenied
from credit import services
from credit.models import CreditCode, CreditEvent, Sticker
from tests.credit.conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_code(published, world, bureau_admin):
    """X's published green turned red by an appeal-free decision, for repairs."""
    return services.code_replace(
        enterprise=world.enterprise_x,
        colour="red",
        source=CreditCode.Source.APPEAL,
        reason="复核发现偷排",
        valid_until=published.valid_until,
        decided_by=bureau_admin,
        now=published.published_at + timedelta(days=1),
    )


def test_appeal_inside_the_window_is_accepted_and_after_it_refused(
    published, world, enterprise_user_x
):
    deadline = published.published_at + timedelta(days=published.appeal_days)
    with pytest.raises(InvalidInput) as error:
        services.appeal_file(
            enterprise=world.enterprise_x,
            user=enterprise_user_x,
            reason="太晚",
            now=deadline + timedelta(seconds=1),
        )
    assert "code" in error.value.fields
    appeal = services.appeal_file(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        reason="按时",
        now=deadline,
    )
    assert appeal.state == "submitted"


def test_a_second_pending_appeal_on_the_same_code_is_a_conflict(
    published, world, enterprise_user_x
):
    now = published.published_at + timedelta(days=1)
    services.appeal_file(
        enterprise=world.enterprise_x, user=enterprise_user_x, reason="一", now=now
    )
    with pytest.raises(Conflict):
        services.appeal_file(
            enterprise=world.enterprise_x, user=enterprise_user_x, reason="二", now=now
        )


def test_the_decision_maker_cannot_review_the_appeal(
    published, world, enterprise_user_x, bureau_admin, bureau_officer
):
    appeal = services.appeal_file(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        reason="理由",
        evidence=png(),
        now=published.published_at + timedelta(days=1),
    )
    assert len(appeal.evidence_sha256) == 64
    with pytest.raises(PermissionDenied):  # bureau_admin published the colour
        services.appeal_decide(
            appeal=appeal, user=bureau_admin, upheld=False, reason="x"
        )
    decided = services.appeal_decide(
        appeal=appeal, user=bureau_officer, upheld=False, reason="证据不足，维持"
    )
    assert decided.state == "rejected" and decided.reviewer == bureau_officer


def test_an_upheld_appeal_publishes_a_better_colour_and_a_new_sticker(
    red_code, world, enterprise_user_x, bureau_officer
):
    old_sticker = Sticker.objects.get(enterprise=world.enterprise_x, revoked_at=None)
    appeal = services.appeal_file(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        reason="偷排系误认",
        now=red_code.valid_from + timedelta(days=1),
    )
    with pytest.raises(InvalidInput):
        services.appeal_decide(
            appeal=appeal,
            user=bureau_officer,
            upheld=True,
            reason="x",
            new_colour="red",
        )
    services.appeal_decide(
        appeal=appeal,
        user=bureau_officer,
        upheld=True,
        reason="复核确认为雨水排口，改为黄码",
        new_colour="yellow",
    )
    current = CreditCode.objects.get(enterprise=world.enterprise_x, is_current=True)
    assert current.colour == "yellow" and current.source == "appeal"
    old_sticker.refresh_from_db()
    assert old_sticker.revoked_at is not None
    assert CreditEvent.objects.filter(
        action="colour_changed", from_state="red", to_state="yellow"
    ).exists()


def test_a_statement_is_public_only_after_moderation_and_rejection_needs_a_reason(
    published, world, enterprise_user_x, bureau_officer
):
    reply = services.reply_submit(
        enterprise=world.enterprise_x, user=enterprise_user_x, text="说明"
    )
    with pytest.raises(InvalidInput):
        services.reply_moderate(reply=reply, user=bureau_officer, approve=False)
    with pytest.raises(InvalidInput):
        services.reply_submit(
            enterprise=world.enterprise_x, user=enterprise_user_x, text="长" * 501
        )


def test_credit_repair_runs_from_request_to_a_new_colour(
    red_code, world, enterprise_user_x, bureau_officer
):
    with pytest.raises(InvalidInput) as error:
        services.repair_request(
            enterprise=world.enterprise_x,
            user=enterprise_user_x,
            corrective_actions="已整改",
            evidence=None,
        )
    assert "evidence" in error.value.fields
    repair = services.repair_request(
        enterprise=world.enterprise_x,
        user=enterprise_user_x,
        corrective_actions="封堵暗管，安装在线监控",
        evidence=png(),
    )
    with pytest.raises(Conflict):
        services.repair_verify(
            repair=repair,
            user=bureau_officer,
            passed=True,
            findings="x",
            new_colour="green",
        )
    repair = services.repair_schedule_inspection(
        repair=repair,
        user=bureau_officer,
        inspection_due=timezone.localdate() + timedelta(days=7),
    )
    repair = services.repair_verify(
        repair=repair,
        user=bureau_officer,
        passed=True,
        findings="现场核查：暗管已封堵，设施正常",
        new_colour="green",
    )
    assert repair.state == "repaired"
    current = CreditCode.objects.get(enterprise=world.enterprise_x, is_current=True)
    assert current.colour == "green" and current.source == "repair"
    assert current.reason == "现场核查：暗管已封堵，设施正常"


def test_a_green_code_needs_no_repair(published, world, enterprise_user_x):
    with pytest.raises(InvalidInput):
        services.repair_request(
            enterprise=world.enterprise_x,
            user=enterprise_user_x,
            corrective_actions="x",
            evidence=png(),
        )


def test_evidence_is_checked_by_its_bytes_not_its_name(
    red_code, world, enterprise_user_x
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image")
    with pytest.raises(InvalidInput) as error:
        services.repair_request(
            enterprise=world.enterprise_x,
            user=enterprise_user_x,
            corrective_actions="x",
            evidence=fake,
        )
    assert "evidence" in error.value.fields
