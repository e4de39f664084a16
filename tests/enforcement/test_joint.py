"""Joint enforcement: invitations (with cross-jurisdiction approval), scoped
access for invited agencies, joint actions with GPS check-in, co-signed
measures, re-check tasks and closing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from enforcement import services
from enforcement.factors import joint_halt_orders
from enforcement.models import (
    JointCase,
    JointInvitation,
    JointMeasure,
    JointRecheck,
    JointTimelineEntry,
    PenaltyDecision,
    Violation,
)
from enforcement.selectors import enterprise_timeline, joint_case_visible
from grid.models import Ticket

API = "/api/v1/enforcement"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def soon(days: int = 2):
    return timezone.now() + timedelta(days=days)


def png() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), "image/png")


def open_case(world, user, **extra) -> JointCase:
    values = {"title": "交界处混凝土搅拌站", "origin": "ticket"}
    values.update(extra)
    if "enterprise" not in values and "site_name" not in values:
        values["enterprise"] = world.enterprise_x
    return services.joint_case_open(user=user, **values)


def invite(case, user, agency):
    return services.joint_invitation_create(
        case=case,
        user=user,
        agency_id=agency.pk,
        purpose="联合检查",
        proposed_start=soon(),
    )


@pytest.fixture
def border_case(world, bureau_officer, bureau_admin, partner_officer, officer_a):
    """A case at enterprise X with the street office and the partner bureau both
    accepted (the partner's invitation approved by the team leader)."""
    case = open_case(world, bureau_officer)
    street = invite(case, bureau_officer, world.office_a)
    partner = invite(case, bureau_officer, world.partner_bureau)
    services.joint_invitation_approve(invitation=partner, user=bureau_admin)
    services.joint_invitation_answer(invitation=street, user=officer_a, answer="accept")
    services.joint_invitation_answer(
        invitation=partner, user=partner_officer, answer="accept"
    )
    return case


@pytest.fixture
def other_case(world, bureau_officer):
    return open_case(world, bureau_officer, enterprise=world.enterprise_y)


def action_for(case, user):
    return services.joint_action_schedule(case=case, user=user, starts_at=soon(1))


def measure(action, user, agency, kind="halt", **values):
    defaults = {
        "halt": {
            "summary": "停止生产",
            "halt_scope": "全部生产线",
            "halt_from": date.today(),
        },
        "interview": {
            "summary": "约谈负责人",
            "attendees": ["张三", "李四"],
            "minutes": "承认违法事实",
        },
        "rectification": {
            "summary": "完善除尘设施",
            "deadline": date.today() + timedelta(days=10),
        },
        "referral": {"summary": "移送公安", "referred_to": "区公安分局"},
    }[kind]
    defaults.update(values)
    return services.joint_measure_create(
        action=action, user=user, kind=kind, issuing_agency=agency.pk, **defaults
    )


# ------------------------------------------------------------------ invitations


def test_cross_jurisdiction_invitation_waits_for_the_team_leaders_approval(
    world, bureau_officer, bureau_admin, partner_officer
):
    case = open_case(world, bureau_officer)
    invitation = invite(case, bureau_officer, world.partner_bureau)
    assert invitation.status == JointInvitation.Status.AWAITING_APPROVAL
    assert invitation.is_cross_jurisdiction
    # the partner cannot see, let alone accept, an invitation not yet sent
    response = api(partner_officer).post(
        f"{API}/joint-invitations/{invitation.pk}/accept/"
    )
    assert response.status_code == 404
    # an officer who is not the team leader cannot approve
    response = api(bureau_officer).post(
        f"{API}/joint-invitations/{invitation.pk}/approve/"
    )
    assert response.status_code == 403
    response = api(bureau_admin).post(
        f"{API}/joint-invitations/{invitation.pk}/approve/"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "sent"
    response = api(partner_officer).post(
        f"{API}/joint-invitations/{invitation.pk}/accept/"
    )
    assert response.json()["status"] == "accepted"


def test_an_invitation_within_the_district_is_sent_at_once(
    world, bureau_officer, officer_a
):
    case = open_case(world, bureau_officer)
    invitation = invite(case, bureau_officer, world.office_a)
    assert invitation.status == JointInvitation.Status.SENT
    assert officer_a.notifications.filter(category="invitation").exists()


def test_an_invitation_to_an_unknown_agency_is_refused_naming_the_field(
    world, bureau_officer
):
    case = open_case(world, bureau_officer)
    response = api(bureau_officer).post(
        f"{API}/joint-invitations/",
        {
            "case": case.pk,
            "agency": 987654,
            "purpose": "x",
            "proposed_start": soon().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "agency" in response.json()["fields"]
    assert not case.invitations.exists()


def test_declining_needs_a_reason_and_grants_no_access(
    world, bureau_officer, officer_a
):
    case = open_case(world, bureau_officer)
    invitation = invite(case, bureau_officer, world.office_a)
    client = api(officer_a)
    url = f"{API}/joint-invitations/{invitation.pk}/decline/"
    response = client.post(url, {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = client.post(url, {"reason": "人手不足"}, format="json")
    assert response.json()["status"] == "declined"
    assert client.get(f"{API}/joint-cases/{case.pk}/").status_code == 404
    assert client.get(case.get_absolute_url()).status_code in (302, 404)
    # the invitation itself stays in the street office's inbox
    assert client.get(f"{API}/joint-invitations/{invitation.pk}/").status_code == 200


def test_an_unanswered_invitation_shows_the_invitation_but_not_the_case(
    world, bureau_officer, officer_a
):
    case = open_case(world, bureau_officer)
    invite(case, bureau_officer, world.office_a)
    client = api(officer_a)
    assert client.get(f"{API}/joint-cases/{case.pk}/").status_code == 404
    assert client.get(f"{API}/joint-invitations/").json()["count"] == 1


@pytest.mark.parametrize(
    "persona",
    [
        "bureau_officer",
        "bureau_admin",
        "officer_a",
        "officer_b",
        "partner_officer",
        "enterprise_user_x",
    ],
)
def test_the_case_page_check_agrees_with_the_case_list_for_every_user(
    world, border_case, other_case, bureau_officer, officer_b, request, persona
):
    declined = open_case(world, bureau_officer, title="已谢绝")
    services.joint_invitation_answer(
        invitation=invite(declined, bureau_officer, world.office_b),
        user=officer_b,
        answer="decline",
        reason="人手不足",
    )
    unanswered = open_case(world, bureau_officer, title="未答复")
    invite(unanswered, bureau_officer, world.office_b)
    cases = [border_case, other_case, declined, unanswered]
    user = request.getfixturevalue(persona)
    listed = set(JointCase.objects.for_user(user).values_list("pk", flat=True))
    for case in cases:
        visible = joint_case_visible(user=user, case=case)
        assert visible == (case.pk in listed), case.title
    if persona == "partner_officer":
        assert joint_case_visible(user=user, case=border_case)
        assert not joint_case_visible(user=user, case=other_case)
    if persona == "officer_b":
        assert not joint_case_visible(user=user, case=declined)


def test_invitee_proposes_another_time_and_the_lead_agrees(
    world, bureau_officer, officer_a
):
    case = open_case(world, bureau_officer)
    invitation = invite(case, bureau_officer, world.office_a)
    later = soon(5)
    response = api(officer_a).post(
        f"{API}/joint-invitations/{invitation.pk}/propose-time/",
        {"proposed_start": later.isoformat(), "note": "周五可以"},
        format="json",
    )
    assert response.json()["status"] == "counter_proposed"
    response = api(bureau_officer).post(
        f"{API}/joint-invitations/{invitation.pk}/agree-time/"
    )
    assert response.json()["status"] == "accepted"
    invitation.refresh_from_db()
    assert abs((invitation.proposed_start - later).total_seconds()) < 1


def test_unanswered_invitations_get_one_reminder_then_expire(
    world, bureau_officer, officer_a
):
    case = open_case(world, bureau_officer)
    invitation = invite(case, bureau_officer, world.office_a)
    now = timezone.now()
    result = services.joint_invitations_remind_and_expire(now=now + timedelta(hours=25))
    assert result == {"reminded": 1, "expired": 0}
    result = services.joint_invitations_remind_and_expire(now=now + timedelta(hours=26))
    assert result == {"reminded": 0, "expired": 0}
    result = services.joint_invitations_remind_and_expire(now=now + timedelta(days=4))
    assert result["expired"] == 1
    invitation.refresh_from_db()
    assert invitation.status == JointInvitation.Status.EXPIRED
    response = api(officer_a).post(f"{API}/joint-invitations/{invitation.pk}/accept/")
    assert response.status_code == 409


# --------------------------------------------------------------- scoped access


def test_partner_officer_sees_only_the_invited_case_on_every_endpoint(
    world, border_case, other_case, bureau_officer, partner_officer
):
    # records of the other case on every endpoint
    other_action = action_for(other_case, bureau_officer)
    other_measure = measure(
        other_action, bureau_officer, world.bureau, kind="rectification"
    )
    services.joint_measure_sign(measure=other_measure, user=bureau_officer)
    other_evidence = services.joint_evidence_upload(
        case=other_case, user=bureau_officer, file=png()
    )
    other_invitation = invite(other_case, bureau_officer, world.office_b)
    client = api(partner_officer)
    listed = client.get(f"{API}/joint-cases/").json()
    assert [row["id"] for row in listed["results"]] == [border_case.pk]
    for path in (
        f"joint-cases/{other_case.pk}/",
        f"joint-cases/{other_case.pk}/timeline/",
        f"joint-actions/{other_action.pk}/",
        f"joint-measures/{other_measure.pk}/",
        f"joint-rechecks/{other_measure.recheck.pk}/",
        f"joint-evidence/{other_evidence.pk}/",
        f"joint-evidence/{other_evidence.pk}/download/",
        f"joint-invitations/{other_invitation.pk}/",
        f"enterprises/{world.enterprise_x.pk}/",
        f"enterprises/{world.enterprise_y.pk}/",
    ):
        assert client.get(f"{API}/{path}").status_code == 404, path
    for path in ("joint-actions", "joint-measures", "joint-rechecks", "joint-evidence"):
        rows = client.get(f"{API}/{path}/").json()["results"]
        assert all(row["case"] == border_case.pk for row in rows), path
    assert client.get(f"{API}/enterprises/").json()["count"] == 0
    response = client.post(
        f"{API}/joint-actions/{other_action.pk}/check-in/",
        {"lon": 121.41, "lat": 31.21},
        format="json",
    )
    assert response.status_code == 404
    # pages too
    pages = APIClient()
    pages.force_login(partner_officer)
    assert pages.get(border_case.get_absolute_url()).status_code == 200
    assert pages.get(other_case.get_absolute_url()).status_code == 404
    assert pages.get(f"/enterprises/{world.enterprise_x.pk}/").status_code == 404
    inbox = pages.get("/joint/").content.decode()
    assert border_case.reference in inbox and other_case.reference not in inbox


def test_the_lead_shares_enterprise_file_sections_explicitly(
    world, border_case, bureau_officer, partner_officer
):
    pages = APIClient()
    pages.force_login(partner_officer)
    world.enterprise_x.permit_number = "PERMIT-913101"
    world.enterprise_x.save()
    assert (
        "PERMIT-913101"
        not in pages.get(border_case.get_absolute_url()).content.decode()
    )
    services.joint_case_share_sections(
        case=border_case, user=bureau_officer, sections=["profile"]
    )
    assert "PERMIT-913101" in pages.get(border_case.get_absolute_url()).content.decode()

    violation = Violation.objects.create(
        enterprise=world.enterprise_x,
        found_on=date.today(),
        law_article="《大气污染防治法》第九十九条",
        description="超标排放",
        severity="general",
        recorded_by=bureau_officer,
    )
    PenaltyDecision.objects.create(
        violation=violation,
        enterprise=world.enterprise_x,
        decision_number="沪环罚〔2026〕0099号",
        decided_on=date.today(),
        amount_yuan=200000,
        measures=["fine"],
        decided_by=bureau_officer,
    )
    assert "0099号" not in pages.get(border_case.get_absolute_url()).content.decode()
    services.joint_case_share_sections(
        case=border_case, user=bureau_officer, sections=["profile", "violations"]
    )
    html = pages.get(border_case.get_absolute_url()).content.decode()
    assert "第九十九条" in html and "沪环罚〔2026〕0099号 · 200000 元" in html


def test_access_becomes_read_only_after_closure(
    world, border_case, bureau_officer, partner_officer
):
    action = action_for(border_case, bureau_officer)
    services.joint_case_close(case=border_case, user=bureau_officer)
    client = api(partner_officer)
    assert client.get(f"{API}/joint-cases/{border_case.pk}/").status_code == 200
    assert client.get(f"{API}/joint-actions/{action.pk}/").status_code == 200
    response = client.post(
        f"{API}/joint-actions/{action.pk}/check-in/",
        {"lon": 121.41, "lat": 31.21},
        format="json",
    )
    assert response.status_code == 409
    response = client.post(
        f"{API}/joint-evidence/",
        {"case": border_case.pk, "file": png()},
        format="multipart",
    )
    assert response.status_code == 409
    response = api(bureau_officer).post(
        f"{API}/joint-invitations/",
        {
            "case": border_case.pk,
            "agency": world.office_b.pk,
            "purpose": "x",
            "proposed_start": soon().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409


# -------------------------------------------------------- actions and measures


def test_a_far_check_in_is_flagged_not_refused(
    world, border_case, bureau_officer, partner_officer
):
    action = action_for(border_case, bureau_officer)
    near = api(bureau_officer).post(
        f"{API}/joint-actions/{action.pk}/check-in/",
        {"lon": 121.4101, "lat": 31.2101},
        format="json",
    )
    assert near.status_code == 201 and near.json()["is_far"] is False
    far = api(partner_officer).post(
        f"{API}/joint-actions/{action.pk}/check-in/",
        {"lon": 121.50, "lat": 31.30},
        format="json",
    )
    assert far.status_code == 201, far.content
    assert far.json()["is_far"] is True
    assert far.json()["agency"] == world.partner_bureau.pk
    assert far.json()["distance_m"] > 10_000


def test_a_measure_without_an_issuing_agency_is_refused(border_case, bureau_officer):
    action = action_for(border_case, bureau_officer)
    response = api(bureau_officer).post(
        f"{API}/joint-measures/",
        {
            "action": action.pk,
            "kind": "referral",
            "summary": "移送",
            "referred_to": "公安",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "issuing_agency" in response.json()["fields"]


def test_a_measure_cannot_be_issued_for_an_agency_outside_the_case(
    world, border_case, bureau_officer
):
    action = action_for(border_case, bureau_officer)
    with pytest.raises(Exception) as error:
        measure(action, bureau_officer, world.office_b)
    assert "issuing_agency" in error.value.fields


def test_a_co_signed_measure_cannot_be_edited_and_changes_by_a_linked_record(
    world, border_case, bureau_officer, partner_officer
):
    action = action_for(border_case, bureau_officer)
    halt = measure(action, bureau_officer, world.bureau)
    lead, partner = api(bureau_officer), api(partner_officer)
    # a draft is editable
    response = lead.patch(
        f"{API}/joint-measures/{halt.pk}/", {"halt_scope": "1号生产线"}, format="json"
    )
    assert response.status_code == 200 and response.json()["halt_scope"] == "1号生产线"
    assert lead.post(f"{API}/joint-measures/{halt.pk}/sign/").status_code == 200
    # the issuer cannot co-sign its own measure
    assert lead.post(f"{API}/joint-measures/{halt.pk}/co-sign/").status_code == 403
    response = partner.post(f"{API}/joint-measures/{halt.pk}/co-sign/")
    assert response.json()["status"] == "co_signed"
    assert {s["role"] for s in response.json()["signatures"]} == {
        "issuer",
        "co_signer",
    }
    response = lead.patch(
        f"{API}/joint-measures/{halt.pk}/", {"halt_scope": "改"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "signed_record"
    halt.refresh_from_db()
    assert halt.halt_scope == "1号生产线"
    # the change is a new record linked to the signed one
    response = lead.post(
        f"{API}/joint-measures/{halt.pk}/amend/", {"halt_scope": "全厂"}, format="json"
    )
    assert response.status_code == 201
    amendment = JointMeasure.objects.get(pk=response.json()["id"])
    assert amendment.amends_id == halt.pk and amendment.halt_scope == "全厂"
    services.joint_measure_sign(measure=amendment, user=bureau_officer)
    halt.refresh_from_db()
    assert halt.status == JointMeasure.Status.SUPERSEDED
    assert halt.halt_scope == "1号生产线"


def test_a_rectification_deadline_creates_exactly_one_recheck_task(
    world, border_case, bureau_officer
):
    action = action_for(border_case, bureau_officer)
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    assert not JointRecheck.objects.exists()
    services.joint_measure_sign(measure=order, user=bureau_officer)
    rechecks = JointRecheck.objects.filter(measure=order)
    assert rechecks.count() == 1
    recheck = rechecks.get()
    assert recheck.due_on == order.deadline
    # the site is in the lead's grid: the re-check goes out as a grid ticket
    assert recheck.ticket is not None
    assert recheck.ticket.source == Ticket.Source.MODULE
    from enforcement.services.joint_actions import _recheck_create

    assert _recheck_create(measure=order, user=bureau_officer) == recheck
    assert JointRecheck.objects.count() == 1
    assert Ticket.objects.filter(origin__startswith="enforcement.joint").count() == 1


def test_a_site_outside_the_grid_gets_a_recheck_task_without_a_ticket(
    world, bureau_officer
):
    case = open_case(
        world, bureau_officer, site_name="无证搅拌站", lon=121.90, lat=31.70
    )
    action = action_for(case, bureau_officer)
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    services.joint_measure_sign(measure=order, user=bureau_officer)
    assert order.recheck.ticket is None


def test_overdue_rechecks_escalate_once_to_the_team_leader(
    world, border_case, bureau_officer, bureau_admin
):
    action = action_for(border_case, bureau_officer)
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    services.joint_measure_sign(measure=order, user=bureau_officer)
    later = order.deadline + timedelta(days=1)
    assert services.joint_rechecks_escalate_overdue(today=order.deadline) == 0
    assert services.joint_rechecks_escalate_overdue(today=later) == 1
    assert services.joint_rechecks_escalate_overdue(today=later) == 0
    assert bureau_admin.notifications.filter(category="escalation").count() == 1


def test_the_case_closes_only_when_every_measure_is_verified(
    world, border_case, bureau_officer, partner_officer
):
    action = action_for(border_case, bureau_officer)
    interview = measure(action, bureau_officer, world.bureau, kind="interview")
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    for m in (interview, order):
        services.joint_measure_sign(measure=m, user=bureau_officer)
        services.joint_measure_co_sign(measure=m, user=partner_officer)
    interview.refresh_from_db()
    assert interview.status == JointMeasure.Status.VERIFIED
    response = api(bureau_officer).post(f"{API}/joint-cases/{border_case.pk}/close/")
    assert response.status_code == 409
    recheck = JointRecheck.objects.get(measure=order)
    response = api(bureau_officer).post(
        f"{API}/joint-rechecks/{recheck.pk}/record/",
        {"passed": True, "outcome": "除尘设施已安装"},
        format="json",
    )
    assert response.status_code == 200, response.content
    response = api(bureau_officer).post(f"{API}/joint-cases/{border_case.pk}/close/")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_a_failed_recheck_is_amended_with_a_new_deadline_and_task(
    world, border_case, bureau_officer, partner_officer
):
    action = action_for(border_case, bureau_officer)
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    services.joint_measure_sign(measure=order, user=bureau_officer)
    services.joint_measure_co_sign(measure=order, user=partner_officer)
    services.joint_recheck_record(
        recheck=order.recheck, user=bureau_officer, passed=False, outcome="未整改"
    )
    amendment = services.joint_measure_amend(
        measure=order, user=bureau_officer, deadline=date.today() + timedelta(days=20)
    )
    services.joint_measure_sign(measure=amendment, user=bureau_officer)
    assert JointRecheck.objects.filter(measure=amendment).count() == 1
    order.refresh_from_db()
    assert order.status == JointMeasure.Status.SUPERSEDED


def test_evidence_upload_records_the_hash_and_the_uploading_agency(
    world, border_case, partner_officer
):
    response = api(partner_officer).post(
        f"{API}/joint-evidence/",
        {"case": border_case.pk, "file": png(), "note": "现场照片"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["agency"] == world.partner_bureau.pk
    assert len(response.json()["sha256"]) == 64


# ------------------------------------------------ enterprise file, health code


def test_a_signed_halt_order_feeds_the_health_code_and_the_enterprise_timeline(
    world, border_case, bureau_officer
):
    action = action_for(border_case, bureau_officer)
    halt = measure(action, bureau_officer, world.bureau)
    assert not joint_halt_orders(as_of=date.today()).exists()
    services.joint_measure_sign(measure=halt, user=bureau_officer)
    rows = list(joint_halt_orders(as_of=date.today()))
    assert [(r.factor_enterprise, r.factor_value) for r in rows] == [
        (world.enterprise_x.pk, 1.0)
    ]
    events = enterprise_timeline(enterprise=world.enterprise_x, user=bureau_officer)
    assert any(e.source == "joint" for e in events)


def test_the_active_risk_model_weighs_halt_orders_heavily(db):
    from enforcement.models import RiskModel

    factors = {f.factor: f for f in RiskModel.objects.get(is_active=True).factors.all()}
    assert factors["enforcement.joint_halt_orders"].weight >= 25
    assert "enforcement.penalty_count" in factors


# ----------------------------------------------------------------------- pages


def test_pages_render_in_chinese_for_the_lead(
    client, world, border_case, bureau_officer
):
    action = action_for(border_case, bureau_officer)
    client.force_login(bureau_officer)
    case_page = client.get(border_case.get_absolute_url()).content.decode()
    assert "共享时间线" in case_page and border_case.reference in case_page
    assert "联合执法邀请" in client.get("/joint/").content.decode()
    month = timezone.localtime(action.starts_at).strftime("%Y-%m")
    calendar = client.get(f"/joint/calendar/?month={month}").content.decode()
    assert border_case.title[:10] in calendar
    mobile = client.get(f"/joint/actions/{action.pk}/m/").content.decode()
    assert "签到" in mobile


def test_the_lead_invites_and_the_partner_accepts_through_the_pages(
    client, world, bureau_officer, bureau_admin, partner_officer
):
    case = open_case(world, bureau_officer)
    client.force_login(bureau_officer)
    start = timezone.localtime(soon()).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/joint/cases/{case.pk}/act/",
        {
            "op": "invite",
            "agency": world.partner_bureau.pk,
            "purpose": "联合检查",
            "proposed_start": start,
        },
    )
    invitation = case.invitations.get()
    client.force_login(bureau_admin)
    client.post(f"/joint/invitations/{invitation.pk}/act/", {"op": "approve"})
    client.force_login(partner_officer)
    response = client.post(f"/joint/invitations/{invitation.pk}/act/", {"op": "accept"})
    assert (
        response.status_code == 302 and response["Location"] == case.get_absolute_url()
    )
    assert JointTimelineEntry.objects.filter(case=case).count() >= 4


def test_closing_the_recheck_ticket_tells_the_lead_who_still_records_the_outcome(
    api, world, border_case, bureau_officer, officer_a
):
    from core.models import Notification
    from tests.enforcement.test_complaints_factor import close

    action = action_for(border_case, bureau_officer)
    order = measure(action, bureau_officer, world.bureau, kind="rectification")
    services.joint_measure_sign(measure=order, user=bureau_officer)
    recheck = order.recheck
    close(api, recheck.ticket, api(officer_a), api(bureau_officer), confirmed=False)
    recheck.refresh_from_db()
    assert recheck.status == JointRecheck.Status.OPEN  # the lead decides
    entry = border_case.timeline_entries.order_by("-pk").first()
    assert entry.kind == "recheck" and recheck.ticket.reference in entry.text
    assert Notification.objects.filter(
        user=bureau_officer, url=recheck.get_absolute_url()
    ).exists()
