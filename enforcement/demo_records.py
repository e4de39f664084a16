"""Demo step: a year of enforcement records (inspections with their checklist
answers, violations, penalty decisions, rectification orders) written in bulk,
then the health codes computed a week ago and today (so the overview has
movers), and one closed random-inspection plan with published results.

Enterprises get a hidden propensity (most are clean, a few are repeat
offenders) so the district shows green, yellow and red."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core.demo import DemoContext
from enforcement.models import (
    ChecklistTemplate,
    Enterprise,
    EnterpriseAccount,
    HealthCodeChange,
    Inspection,
    InspectionAnswer,
    InspectionOfficer,
    InspectionPlan,
    PenaltyDecision,
    PlanTarget,
    RectificationOrder,
    StatusChange,
    Violation,
)
from grid.models import Membership

DOMAIN_BY_SECTOR = {
    "catering": "catering_fume",
    "construction_site": "construction_dust",
    "auto_repair": "hazardous_waste",
    "industrial": "air_pollution",
    "medical": "hazardous_waste",
    "laboratory": "hazardous_waste",
    "other": "water_pollution",
}
LAW_BY_DOMAIN = {
    "catering_fume": (
        "《大气污染防治法》第八十一条",
        "油烟净化设施未正常使用，油烟超标排放",
    ),
    "construction_dust": (
        "《大气污染防治法》第六十九条",
        "施工工地未采取覆盖、冲洗等有效防尘降尘措施",
    ),
    "hazardous_waste": (
        "《固体废物污染环境防治法》第七十九条",
        "危险废物未按规定贮存，未设置识别标志",
    ),
    "air_pollution": (
        "《大气污染防治法》第四十五条",
        "挥发性有机物废气未经收集处理直接排放",
    ),
    "water_pollution": (
        "《水污染防治法》第三十九条",
        "污水处理设施未正常运行，超标排放",
    ),
}
# propensity: (share of enterprises, inspections a year, P(issues), P(violation))
PROFILES = [
    (0.78, (0, 1), 0.10, 0.02),
    (0.16, (1, 2), 0.35, 0.15),
    (0.06, (2, 4), 0.30, 0.55),
]
# Per-sector scale of fines (yuan): catering and sites are small, plants large.
FINE_RANGE = {
    "catering": (5_000, 50_000),
    "construction_site": (10_000, 100_000),
    "industrial": (50_000, 500_000),
}


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def build_enforcement_records(context: DemoContext) -> None:
    from enforcement.services import (
        health_code_recompute,
        health_codes_recompute_all,
        plan_close,
        plan_create,
    )

    rng = context.random
    today = timezone.localdate()
    enterprises = list(
        Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
        .order_by("pk")
        .values_list("pk", "sector", "street_id")[: context.histories]
    )
    if not enterprises:
        return
    bureau = list(
        Membership.objects.filter(role=Membership.Role.BUREAU_OFFICER)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    by_street: dict[int, list[int]] = {}
    for user_id, street_id in Membership.objects.filter(
        role=Membership.Role.BUREAU_OFFICER
    ).values_list("user_id", "streets"):
        by_street.setdefault(street_id, []).append(user_id)
    recorder = bureau[0]
    templates = {
        t.domain: (t, [i for i in t.items.all() if i.kind != "photo"])
        for t in ChecklistTemplate.objects.active().prefetch_related("items")
    }
    story = (
        EnterpriseAccount.objects.order_by("pk")
        .values_list("enterprise_id", flat=True)
        .first()
    )

    # ---- inspections
    inspections: list[Inspection] = []
    visits: list[tuple[int, str, str, int]] = []  # enterprise, sector, result, index
    for enterprise_id, sector, street_id in enterprises:
        _share, visit_range, p_issues, p_violation = rng.choices(
            PROFILES, weights=[profile[0] for profile in PROFILES]
        )[0]
        for _visit in range(rng.randint(*visit_range)):
            outcome = rng.random()
            result = (
                Inspection.Result.VIOLATION
                if outcome < p_violation
                else Inspection.Result.ISSUES_FOUND
                if outcome < p_violation + p_issues
                else Inspection.Result.COMPLIANT
            )
            day = today - timedelta(days=rng.randint(5, 360))
            local = by_street.get(street_id) or bureau
            first = rng.choice(local)
            second = rng.choice([u for u in bureau if u != first] or bureau)
            visits.append((enterprise_id, sector, result, len(inspections)))
            inspections.append(
                Inspection(
                    enterprise_id=enterprise_id,
                    template=templates[DOMAIN_BY_SECTOR[sector]][0],
                    inspected_on=day,
                    result=result,
                    findings=_findings(result),
                    recorded_by_id=first,
                    representative_name=rng.choice("王李张刘陈杨") + "经理",
                    representative_signed_at=_at(day),
                )
            )
            inspections[-1]._officers = (first, second)
    if story is not None:  # the enterprise user's restaurant: yellow, with reasons
        story_sector = {e: s for e, s, _st in enterprises}.get(story, "catering")
        day = today - timedelta(days=25)
        inspections.append(
            Inspection(
                enterprise_id=story,
                template=templates[DOMAIN_BY_SECTOR[story_sector]][0],
                inspected_on=day,
                result=Inspection.Result.VIOLATION,
                findings=_findings(Inspection.Result.VIOLATION),
                recorded_by_id=recorder,
                representative_name="店长",
                representative_signed_at=_at(day),
            )
        )
        inspections[-1]._officers = (recorder, bureau[-1])
        visits.append(
            (story, story_sector, Inspection.Result.VIOLATION, len(inspections) - 1)
        )
    Inspection.objects.bulk_create(inspections, batch_size=2000)
    InspectionOfficer.objects.bulk_create(
        [
            InspectionOfficer(inspection=inspection, officer_id=officer)
            for inspection in inspections
            for officer in dict.fromkeys(inspection._officers)
        ],
        batch_size=5000,
    )
    answers = []
    answered_since = today - timedelta(days=120)
    for inspection in inspections:
        # older compliant visits keep only their result: the demo stays quick
        if (
            inspection.result == Inspection.Result.COMPLIANT
            and inspection.inspected_on < answered_since
        ):
            continue
        _template, items = templates[inspection.template.domain]
        failing = set()
        if inspection.result == Inspection.Result.VIOLATION:
            majors = [i.pk for i in items if i.is_major] or [items[0].pk]
            failing.add(rng.choice(majors))
        elif inspection.result == Inspection.Result.ISSUES_FOUND:
            minors = [i.pk for i in items if not i.is_major] or [items[-1].pk]
            failing.add(rng.choice(minors))
        for item in items:
            answers.append(_answer(inspection, item, item.pk in failing, rng))
    InspectionAnswer.objects.bulk_create(answers, batch_size=5000)

    # ---- violations, penalties, rectification orders
    violations, penalties, orders, changes, rechecks = [], [], [], [], []
    penalty_violations, order_penalties, order_rechecks = [], [], []
    serial = 0
    for enterprise_id, sector, result, index in visits:
        if result != Inspection.Result.VIOLATION:
            continue
        inspection = inspections[index]
        domain = inspection.template.domain
        law, description = LAW_BY_DOMAIN.get(domain, LAW_BY_DOMAIN["water_pollution"])
        severity = rng.choices(["minor", "general", "major"], [0.2, 0.7, 0.1])[0]
        violation = Violation(
            enterprise_id=enterprise_id,
            inspection=inspection,
            found_on=inspection.inspected_on,
            law_article=law,
            description=description,
            severity=severity,
            recorded_by_id=recorder,
        )
        violations.append(violation)
        decided_on = inspection.inspected_on + timedelta(days=rng.randint(7, 30))
        if decided_on > today or (rng.random() < 0.1 and enterprise_id != story):
            continue  # still under investigation
        serial += 1
        low, high = FINE_RANGE.get(sector, (10_000, 100_000))
        penalty = PenaltyDecision(
            violation=violation,
            enterprise_id=enterprise_id,
            decision_number=f"示环罚〔{decided_on.year}〕{serial:04d}号",
            decided_on=decided_on,
            amount_yuan=Decimal(rng.randrange(low, high, 1000)),
            measures=["fine", "order_to_correct"],
            decided_by_id=recorder,
        )
        penalties.append(penalty)
        penalty_violations.append(violation)
        deadline = decided_on + timedelta(days=30)
        order = RectificationOrder(
            penalty=penalty,
            enterprise_id=enterprise_id,
            issued_on=decided_on,
            deadline=deadline,
            requirements="按期完成整改并提交整改报告",
        )
        orders.append(order)
        order_penalties.append(penalty)
        order_rechecks.append(None)
        if deadline + timedelta(days=7) < today and rng.random() < 0.85:
            recheck_day = deadline - timedelta(days=rng.randint(0, 5))
            passed = rng.random() < 0.9
            recheck = Inspection(
                enterprise_id=enterprise_id,
                template=inspection.template,
                inspected_on=recheck_day,
                result=Inspection.Result.COMPLIANT
                if passed
                else Inspection.Result.ISSUES_FOUND,
                findings="复查：已整改" if passed else "复查：整改不到位",
                recorded_by_id=recorder,
                representative_name="负责人",
                representative_signed_at=_at(recheck_day),
            )
            recheck._officers = inspection._officers
            rechecks.append(recheck)
            order_rechecks[-1] = recheck
            order.status = (
                RectificationOrder.Status.PASSED
                if passed
                else RectificationOrder.Status.FAILED
            )
            order.closed_on = recheck_day
            order.outcome = recheck.findings
            penalty.status = PenaltyDecision.Status.EXECUTED
            if passed:
                violation.status = Violation.Status.CLOSED
            else:
                violation.status = Violation.Status.PENALIZED
        else:
            violation.status = Violation.Status.PENALIZED
    Inspection.objects.bulk_create(rechecks, batch_size=2000)
    InspectionOfficer.objects.bulk_create(
        [
            InspectionOfficer(inspection=inspection, officer_id=officer)
            for inspection in rechecks
            for officer in dict.fromkeys(inspection._officers)
        ],
        batch_size=5000,
    )
    Violation.objects.bulk_create(violations, batch_size=2000)
    for penalty, violation in zip(penalties, penalty_violations, strict=True):
        penalty.violation = violation  # now saved: sets violation_id
    PenaltyDecision.objects.bulk_create(penalties, batch_size=2000)
    for order, penalty, recheck in zip(
        orders, order_penalties, order_rechecks, strict=True
    ):
        order.penalty = penalty
        order.recheck_inspection = recheck
    RectificationOrder.objects.bulk_create(orders, batch_size=2000)
    changes.extend(_history(violations, penalties, orders, recorder))
    StatusChange.objects.bulk_create(changes, batch_size=5000)

    # ---- health codes a week ago and today: the overview shows this week's movers
    health_codes_recompute_all(
        trigger=HealthCodeChange.Trigger.SCHEDULED,
        now=timezone.now() - timedelta(days=7),
    )
    for enterprise_id in _stir_this_week(
        rng, enterprises, recorder, templates, today, bureau
    ):
        health_code_recompute(enterprise_id=enterprise_id)
    _closed_plan(context, plan_create, plan_close, today, recorder)


def _findings(result: str) -> str:
    return {
        Inspection.Result.COMPLIANT: "现场检查未发现问题。",
        Inspection.Result.ISSUES_FOUND: "发现管理台账不完整等问题，已现场督促整改。",
        Inspection.Result.VIOLATION: "发现违法行为，已制作现场检查笔录并拍照取证。",
    }[result]


def _answer(inspection, item, failing: bool, rng) -> InspectionAnswer:
    answer = InspectionAnswer(inspection=inspection, item=item)
    if item.kind == "yes_no":
        answer.value_bool = (
            (not item.compliant_answer) if failing else item.compliant_answer
        )
        answer.is_compliant = not failing
    elif item.kind == "number":
        limit = float(item.limit_max)
        value = limit * (rng.uniform(1.1, 2.5) if failing else rng.uniform(0.2, 0.95))
        answer.value_number = Decimal(str(round(value, 2)))
        answer.is_compliant = not failing
    else:
        answer.value_text = "台账记录不完整" if failing else "正常"
    return answer


def _history(violations, penalties, orders, recorder) -> list[StatusChange]:
    """The status rows the services would have written, dated by the records."""
    rows = []

    def add(kind, record_id, at_day, before, after):
        rows.append(
            StatusChange(
                record_type=kind,
                record_id=record_id,
                from_status=before,
                to_status=after,
                by_id=recorder,
                at=_at(at_day),
            )
        )

    penalty_of = {p.violation_id: p for p in penalties}
    for violation in violations:
        add("violation", violation.pk, violation.found_on, "", "open")
        penalty = penalty_of.get(violation.pk)
        if penalty is not None:
            add("penalty", penalty.pk, penalty.decided_on, "", "issued")
            add("violation", violation.pk, penalty.decided_on, "open", "penalized")
    violation_of = {p.pk: p.violation_id for p in penalties}
    for order in orders:
        add("rectification", order.pk, order.issued_on, "", "open")
        if order.status != "open":
            add("rectification", order.pk, order.closed_on, "open", order.status)
            add("penalty", order.penalty_id, order.closed_on, "issued", "executed")
            if order.status == "passed":
                add(
                    "violation",
                    violation_of[order.penalty_id],
                    order.closed_on,
                    "penalized",
                    "closed",
                )
    return rows


def _stir_this_week(rng, enterprises, recorder, templates, today, bureau) -> list[int]:
    """A few inspections this week (so some codes change colour); returns the
    enterprises visited."""
    picked = rng.sample(enterprises, k=min(40, len(enterprises)))
    recent = []
    for enterprise_id, sector, _street in picked:
        day = today - timedelta(days=rng.randint(0, 5))
        recent.append(
            Inspection(
                enterprise_id=enterprise_id,
                template=templates[DOMAIN_BY_SECTOR[sector]][0],
                inspected_on=day,
                result=Inspection.Result.VIOLATION,
                findings=_findings(Inspection.Result.VIOLATION),
                recorded_by_id=recorder,
                representative_name="负责人",
                representative_signed_at=_at(day),
            )
        )
    Inspection.objects.bulk_create(recent)
    InspectionOfficer.objects.bulk_create(
        [
            InspectionOfficer(inspection=inspection, officer_id=officer)
            for inspection in recent
            for officer in dict.fromkeys([recorder, bureau[-1]])
        ]
    )
    return [enterprise_id for enterprise_id, _sector, _street in picked]


def _closed_plan(context, plan_create, plan_close, today, recorder) -> None:
    """Last quarter's plan, drawn, partly visited and closed: its public page
    shows the seed, the re-run draw and the results."""
    from django.contrib.auth import get_user_model

    district = context.made.get("district")
    if district is None:
        return
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, first_month, 1)
    end = this_quarter - timedelta(days=1)
    start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    user = get_user_model().objects.get(pk=recorder)
    plan = plan_create(
        district=district,
        name=f"{start:%Y}年第{(start.month - 1) // 3 + 1}季度“双随机”抽查",
        period_start=start,
        period_end=end,
        user=user,
        seed=f"{context.seed:064x}"[-64:],
    )
    visited = list(
        Inspection.objects.filter(
            inspected_on__range=(start, end),
            enterprise__in=PlanTarget.objects.filter(plan=plan).values("enterprise"),
        )
        .exclude(Q(plan_target__isnull=False))
        .order_by("enterprise_id", "inspected_on")
        .values_list("enterprise_id", "pk")
    )
    first_visit = {}
    for enterprise_id, inspection_id in visited:
        first_visit.setdefault(enterprise_id, inspection_id)
    targets = list(PlanTarget.objects.filter(plan=plan, enterprise_id__in=first_visit))
    for target in targets:
        target.inspection_id = first_visit[target.enterprise_id]
    PlanTarget.objects.bulk_update(targets, ["inspection"])
    InspectionPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.make_aware(datetime.combine(start, time(9)))
    )
    plan_close(plan=plan, user=user)
