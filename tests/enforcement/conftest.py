"""Helpers for the enforcement record and health-code tests: a second bureau
officer (inspections need two) and short ways to write records through the
services."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from enforcement import services
from enforcement.models import ChecklistTemplate, Inspection
from grid.models import Membership

_numbers = count(1)


@pytest.fixture
def second_officer(world):
    user = get_user_model().objects.create_user(username="bureau_officer_2")
    Membership.objects.create(
        user=user, agency=world.bureau, role=Membership.Role.BUREAU_OFFICER
    ).streets.add(world.street_b)
    return user


@pytest.fixture
def catering_template(db) -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(domain="catering_fume", is_active=True)


def compliant_answers(template: ChecklistTemplate) -> list[dict]:
    """Answers that pass every item of a template (photos left out)."""
    answers = []
    for item in template.items.all():
        if item.kind == "yes_no":
            answers.append({"item": item.code, "value": item.compliant_answer})
        elif item.kind == "number":
            answers.append({"item": item.code, "value": str(item.limit_max)})
        elif item.kind == "text":
            answers.append({"item": item.code, "value": "正常"})
    return answers


def record_inspection(
    *,
    enterprise,
    officers,
    template,
    result="compliant",
    inspected_on: date | None = None,
    answers=None,
    **extra,
) -> Inspection:
    photo_items = [i for i in template.items.all() if i.kind == "photo"]
    for item in photo_items:  # a legal starter checklist wants a photo
        item.is_required = False
        item.save(update_fields=["is_required"])
    inspection, _created = services.inspection_record(
        enterprise=enterprise,
        template=template,
        officers=officers,
        inspected_on=inspected_on or timezone.localdate(),
        result=result,
        recorded_by=officers[0],
        answers=compliant_answers(template) if answers is None else answers,
        **extra,
    )
    return inspection


def record_penalty(
    *,
    enterprise,
    user,
    amount="5000",
    decided_on: date | None = None,
    severity="general",
    rectification_days: int | None = None,
):
    decided_on = decided_on or timezone.localdate()
    violation = services.violation_record(
        enterprise=enterprise,
        law_article="《大气污染防治法》第八十一条",
        description="油烟净化设施未正常运行",
        severity=severity,
        found_on=decided_on,
        user=user,
    )
    number = next(_numbers)
    return services.penalty_decide(
        violation=violation,
        decision_number=f"测环罚〔2026〕{number}号",
        decided_on=decided_on,
        amount_yuan=amount,
        measures=["fine", "order_to_correct"] if float(amount) > 0 else ["warning"],
        user=user,
        rectification_deadline=(
            decided_on + timedelta(days=rectification_days)
            if rectification_days is not None
            else None
        ),
        rectification_requirements=(
            "整改油烟净化设施" if rectification_days is not None else ""
        ),
    )
