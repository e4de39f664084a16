"""Demo step: journey 6, "On the border". The bureau opens a case at a plant on
the boundary with the neighbouring city, invites the street's enforcement team
and the neighbouring city's bureau (the team leader approves that one); both
accept on their own accounts; a joint action records an interview, a halt order
and a rectification order, co-signed; the re-check passes and the case closes.
A second border case waits with open invitations, for trying the flow."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.demo import DemoContext
from enforcement import services
from enforcement.models import Enterprise, JointCase
from grid.models import Agency, Membership


def joint_demo_present() -> bool:
    return JointCase.objects.exists()


def _user(username: str):
    return get_user_model().objects.get(username=username)


def build_joint_cases(context: DemoContext) -> None:
    streets = context.made["streets"]
    officer, leader = _user("officer"), _user("leader")
    street_officer, partner = _user("street_a"), _user("partner")
    partner_bureau = (
        Membership.objects.filter(user=partner).select_related("agency").get().agency
    )
    street_team = Agency.objects.get(kind=Agency.Kind.STREET_OFFICE, street=streets[0])
    west, south, _east, _north = context.made["bbox"]
    now = timezone.now()

    case = services.joint_case_open(
        user=officer,
        title=f"{partner_bureau.district.name}交界处混凝土搅拌站扬尘、废水直排",
        origin=JointCase.Origin.TICKET,
        origin_reference="12345 热线多次投诉",
        description="群众反映夜间粉尘、废水直排边界河道；厂区跨两地交界，需两地联合执法。",
        site_name="无证混凝土搅拌站（边界河道北岸）",
        address="梧桐街道南缘，与启东示范市隔河相望",
        lon=round(west + 0.012, 6),
        lat=round(south + 0.0015, 6),
    )
    street_invitation = services.joint_invitation_create(
        case=case,
        user=officer,
        agency_id=street_team.pk,
        purpose="联合现场检查，封控出入口",
        needs="执法人员 2 名，执法记录仪",
        proposed_start=now + timedelta(hours=2),
        place="厂区南门",
    )
    partner_invitation = services.joint_invitation_create(
        case=case,
        user=officer,
        agency_id=partner_bureau.pk,
        purpose="跨界联合执法：共同约谈经营者，核查边界河道排口",
        needs="对岸排口监测数据",
        proposed_start=now + timedelta(hours=2),
        place="厂区南门",
    )
    services.joint_invitation_approve(invitation=partner_invitation, user=leader)
    services.joint_invitation_answer(
        invitation=street_invitation, user=street_officer, answer="accept"
    )
    services.joint_invitation_answer(
        invitation=partner_invitation, user=partner, answer="accept"
    )

    action = services.joint_action_schedule(
        case=case, user=officer, starts_at=now + timedelta(hours=2), place="厂区南门"
    )
    for user, (dlon, dlat) in (
        (officer, (0.0002, 0.0001)),
        (street_officer, (0.0003, -0.0002)),
        (partner, (0.0001, 0.0004)),
    ):
        services.joint_action_check_in(
            action=action,
            user=user,
            lon=case.lon + dlon,
            lat=case.lat + dlat,
            accuracy_m=12,
        )
    services.joint_action_record_findings(
        action=action,
        user=officer,
        findings="搅拌站未办理环评手续；沉淀池溢流，废水经暗管排入边界河道；"
        "料场未覆盖，扬尘明显。",
    )
    services.joint_action_sign(action=action, user=officer)
    services.joint_action_co_sign(action=action, user=partner)

    bureau = case.lead_agency
    interview = services.joint_measure_create(
        action=action,
        user=officer,
        kind="interview",
        issuing_agency=bureau.pk,
        summary="两地联合约谈搅拌站经营者",
        attendees=[
            "王执法（示范区生态环境局）",
            "邻市执法员（启东示范市生态环境局）",
            "街镇网格员",
            "搅拌站负责人 赵某",
        ],
        minutes="经营者承认沉淀池溢流、暗管排放，承诺立即停产整改。",
    )
    halt = services.joint_measure_create(
        action=action,
        user=officer,
        kind="halt",
        issuing_agency=bureau.pk,
        summary="责令立即停止生产",
        halt_scope="全部搅拌生产线",
        halt_from=timezone.localdate(),
        halt_until=timezone.localdate() + timedelta(days=30),
    )
    order = services.joint_measure_create(
        action=action,
        user=officer,
        kind="rectification",
        issuing_agency=bureau.pk,
        summary="封堵暗管，修复沉淀池，料场全封闭覆盖",
        deadline=timezone.localdate(),
    )
    for measure in (interview, halt, order):
        services.joint_measure_sign(measure=measure, user=officer)
        services.joint_measure_co_sign(measure=measure, user=partner)
    services.joint_measure_verify(
        measure=halt, user=officer, note="复查时生产线停运，电源已断开"
    )
    order.refresh_from_db()
    services.joint_recheck_record(
        recheck=order.recheck,
        user=officer,
        passed=True,
        outcome="暗管已封堵，沉淀池已修复，料场已覆盖；对岸排口监测达标。",
    )
    services.joint_case_close(case=case, user=officer, note="措施全部落实")

    # A second border case, at a registered enterprise, with invitations still
    # open (the partner's awaits the team leader), to try the flow.
    # (a small demo may have no enterprise on the first street)
    other_site = (
        Enterprise.objects.filter(street=streets[0]).order_by("lat", "pk").first()
        or Enterprise.objects.order_by("lat", "pk").first()
    )
    open_case = services.joint_case_open(
        user=officer,
        title="交界河道沿岸堆场扬尘",
        origin=JointCase.Origin.PARTNER_REFERRAL,
        origin_reference="对岸生态环境局移送",
        enterprise=other_site,
    )
    services.joint_case_share_sections(
        case=open_case, user=officer, sections=["profile", "inspections"]
    )
    for agency in (street_team, partner_bureau):
        services.joint_invitation_create(
            case=open_case,
            user=officer,
            agency_id=agency.pk,
            purpose="联合检查堆场扬尘",
            proposed_start=now + timedelta(days=3),
            place="堆场入口",
        )
    context.log(
        f"joint enforcement: case {case.reference} closed, "
        f"case {open_case.reference} awaiting answers"
    )
