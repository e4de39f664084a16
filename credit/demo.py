"""Demo step (JOURNEYS.md story 2): a published catering cycle on the first demo
street, where the demo restaurant came out yellow from its self-assessment; this
month's catering cycle open for it to self-assess on a phone; a construction-site
cycle where a green site's night-work application was approved at once; one
pending appeal and one moderated statement so the queues are not empty.

No official records are invented here: colours come from self-assessments and
whatever the factor registry provides."""

from __future__ import annotations

import base64
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from core.demo import DEMO_PASSWORD, DemoContext, demo_user
from credit import services
from credit.models import Evaluation, Scheme, SchemeItem
from credit.rules import DEFAULT_RULE
from credit.starter import load_starter_schemes
from enforcement.models import Enterprise, EnterpriseAccount

# A 1×1 PNG: evidence photos of the demo self-assessments.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SAMPLE = 24  # restaurants that self-assess in the demo cycles


def _answers(items, *, failing=()):
    answers = {}
    for item in items:
        value = "no" if item.code in failing else "yes"
        evidence = (
            ContentFile(PNG, name=f"{item.code}.png")
            if item.evidence_required and value == "yes"
            else None
        )
        answers[item.code] = {"value": value, "note": "", "evidence": evidence}
    return answers


def _run_cycle(*, scheme, district, streets, leader, name, start, assess, rng):
    """Open a cycle in the past, let ``assess`` (enterprise, items) answer, then
    close, notice and publish it with the service clock set accordingly."""
    cycle = services.cycle_open(
        user=leader,
        scheme=scheme,
        district=district,
        streets=streets,
        name=name,
        period_start=(start - timedelta(days=30)).date(),
        period_end=start.date(),
        self_assessment_due=start + timedelta(days=7),
        now=start,
    )
    items = list(scheme.items.all())
    for evaluation in Evaluation.objects.filter(cycle=cycle).select_related(
        "enterprise"
    ):
        failing = assess(evaluation.enterprise, items)
        if failing is None:
            continue
        services.evaluation_self_assess(
            evaluation=evaluation,
            user=leader,
            answers=_answers(items, failing=failing),
            now=start + timedelta(days=rng.randint(1, 6)),
        )
    services.cycle_close_self_assessment(
        cycle=cycle, user=leader, now=start + timedelta(days=8)
    )
    services.cycle_start_notice(cycle=cycle, user=leader, now=start + timedelta(days=9))
    return services.cycle_publish(
        cycle=cycle,
        user=leader,
        now=start + timedelta(days=10 + cycle.notice_days),
    )


def build_credit(context: DemoContext) -> None:
    rng = context.random
    user_model = get_user_model()
    leader = user_model.objects.filter(username="leader").first()
    officer = user_model.objects.filter(username="officer").first()
    if leader is None or officer is None:
        return
    district, street = context.made["district"], context.made["streets"][0]
    now = timezone.now()
    if not Scheme.objects.exists():  # e.g. after a flush: the migration's data
        load_starter_schemes(Scheme, SchemeItem, DEFAULT_RULE)
    catering = Scheme.objects.get(sector="catering", is_active=True)
    site_scheme = Scheme.objects.get(sector="construction_site", is_active=True)

    account = EnterpriseAccount.objects.filter(
        user__username="enterprise"
    ).select_related("enterprise")
    restaurant = account.first().enterprise if account.exists() else None
    restaurants = list(
        Enterprise.objects.filter(street=street, sector="catering")
        .order_by("id")
        .values_list("id", flat=True)[:SAMPLE]
    )

    def catering_answers(enterprise, items):
        if restaurant is not None and enterprise.pk == restaurant.pk:
            # fume cleaning records and oil-trap records missing: yellow
            return {"C02", "C06", "C04"}
        if enterprise.pk not in restaurants:
            return None  # did not self-assess: records alone, flagged
        roll = rng.random()
        if roll < 0.06:
            return {"CV1"}  # admits bypassing the fume cleaner: veto, red
        if roll < 0.3:
            return set(rng.sample(["C02", "C03", "C05", "C06", "C07", "C09"], 2))
        return set()

    start = now - timedelta(days=35)
    _run_cycle(
        scheme=catering,
        district=district,
        streets=[street],
        leader=leader,
        name=f"{start:%Y年%m月}餐饮业环境信用评价（{street.name}）",
        start=start,
        assess=catering_answers,
        rng=rng,
    )
    # This month's cycle: open, waiting for the demo restaurant on its phone.
    services.cycle_open(
        user=leader,
        scheme=catering,
        district=district,
        streets=[street],
        name=f"{now:%Y年%m月}餐饮业环境信用评价（{street.name}）",
        period_start=(now - timedelta(days=now.day - 1)).date(),
        period_end=now.date() + timedelta(days=1),
        self_assessment_due=now + timedelta(days=10),
        now=now - timedelta(days=1),
    )

    sites = list(
        Enterprise.objects.filter(
            street__district=district, sector="construction_site", status="operating"
        ).order_by("id")[:40]
    )
    green_site = sites[0] if sites else None

    def site_answers(enterprise, items):
        if green_site is not None and enterprise.pk == green_site.pk:
            return set()
        if enterprise not in sites:
            return None
        return set(rng.sample(["S02", "S04", "S06", "S08", "S11"], rng.randint(0, 3)))

    start = now - timedelta(days=60)
    _run_cycle(
        scheme=site_scheme,
        district=district,
        streets=[],
        leader=leader,
        name=f"{start:%Y年}下半年建筑工地环境信用评价",
        start=start,
        assess=site_answers,
        rng=rng,
    )
    if green_site is not None:
        site_user = demo_user("site", f"{green_site.name}项目经理")
        EnterpriseAccount.objects.create(user=site_user, enterprise=green_site)
        context.credentials.append(
            (f"enterprise user ({green_site.name})", "site", DEMO_PASSWORD)
        )
        tonight = timezone.localdate(now)
        services.night_work_apply(
            enterprise=green_site,
            user=site_user,
            work_date=tonight,
            starts_at=timezone.datetime(2000, 1, 1, 22, 0).time(),
            ends_at=timezone.datetime(2000, 1, 1, 4, 0).time(),
            works="混凝土连续浇筑（底板）",
            noise_measures="使用低噪声振捣设备，场界设置隔声屏",
            now=now,
        )

    # One pending appeal and one approved statement, so the queues show something.
    others = [pk for pk in restaurants if restaurant is None or pk != restaurant.pk]
    if len(others) >= 2:
        appellant = Enterprise.objects.get(pk=others[0])
        services.appeal_file(
            enterprise=appellant,
            user=leader,
            reason="油烟净化设施已于上月更换，评价时未采纳清洗记录，请求复核。",
            now=now,
        )
        replier = Enterprise.objects.get(pk=others[1])
        reply = services.reply_submit(
            enterprise=replier,
            user=leader,
            text="本店已于本月完成油烟净化器清洗，欢迎市民监督。",
            now=now,
        )
        services.reply_moderate(reply=reply, user=officer, approve=True, now=now)
    context.log(
        "    credit: demo restaurant yellow, green site with approved night work"
    )
