"""Starter data: the checklist templates of every domain (version 1) and the
first risk model. Both are edited in admin afterwards (changes make new
versions), so this migration only adds what is missing."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CHECKLISTS = Path(__file__).resolve().parent.parent / "data" / "checklists_v1.json"

# First risk model. Tiers follow the 双随机 practice (sampling rises with the
# risk class: key units at least 25 % a quarter, ordinary units about 5 %):
# every red enterprise each quarter, half the yellow ones each half-year, 5 % of
# the green ones a year.
RISK_MODEL = {
    "name": "默认风险模型（试行）",
    "note": "Initial version shipped with the platform.",
    "yellow_from": Decimal("20"),
    "red_from": Decimal("50"),
    "factors": [
        # factor, weight, half-life (days), cap, veto at
        ("enforcement.penalty_count", "10", 365, "40", None),
        ("enforcement.penalty_amount", "4", 365, "30", None),
        ("enforcement.inspections_with_issues", "6", 180, "24", None),
        ("enforcement.inspections_with_violation", "15", 365, "45", None),
        ("enforcement.open_rectifications", "8", None, "24", None),
        ("enforcement.overdue_rectifications", "25", None, "50", None),
        ("enforcement.open_major_violations", "20", None, "40", "1"),
        # registered by other apps (a factor no app registers counts nothing)
        ("grid.substantiated_complaints", "8", 180, "32", None),
        ("monitoring.validated_alarms", "3", 90, "30", None),
        ("hazwaste.unsettled_warnings", "5", None, "20", None),
        ("credit.colour", "10", None, "20", None),
    ],
    "tiers": [
        # colour, rounds per year, sampling ratio per round
        ("green", "1", "0.05"),
        ("yellow", "2", "0.50"),
        ("red", "4", "1.00"),
    ],
}


def load(apps, schema_editor):
    ChecklistTemplate = apps.get_model("enforcement", "ChecklistTemplate")
    ChecklistItem = apps.get_model("enforcement", "ChecklistItem")
    RiskModel = apps.get_model("enforcement", "RiskModel")
    RiskModelFactor = apps.get_model("enforcement", "RiskModelFactor")
    RiskTier = apps.get_model("enforcement", "RiskTier")

    data = json.loads(CHECKLISTS.read_text(encoding="utf-8"))
    for template_data in data["templates"]:
        if ChecklistTemplate.objects.filter(domain=template_data["domain"]).exists():
            continue
        template = ChecklistTemplate.objects.create(
            domain=template_data["domain"],
            version=1,
            title=template_data["title"],
            is_active=True,
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=template,
                position=position,
                code=code,
                kind=kind,
                question=question,
                compliant_answer=True if compliant is None else compliant,
                limit_max=None if limit is None else Decimal(limit),
                unit=unit,
                legal_basis=legal_basis,
                is_required=kind != "text",
                is_major=is_major,
            )
            for position, (
                code,
                kind,
                question,
                compliant,
                limit,
                unit,
                legal_basis,
                is_major,
            ) in enumerate(template_data["items"], start=1)
        )

    if not RiskModel.objects.exists():
        model = RiskModel.objects.create(
            version=1,
            name=RISK_MODEL["name"],
            note=RISK_MODEL["note"],
            yellow_from=RISK_MODEL["yellow_from"],
            red_from=RISK_MODEL["red_from"],
            is_active=True,
        )
        RiskModelFactor.objects.bulk_create(
            RiskModelFactor(
                model=model,
                factor=factor,
                weight=Decimal(weight),
                half_life_days=half_life,
                cap=None if cap is None else Decimal(cap),
                veto_at=None if veto is None else Decimal(veto),
            )
            for factor, weight, half_life, cap, veto in RISK_MODEL["factors"]
        )
        RiskTier.objects.bulk_create(
            RiskTier(
                model=model,
                colour=colour,
                inspections_per_year=Decimal(rounds),
                sampling_ratio=Decimal(ratio),
            )
            for colour, rounds, ratio in RISK_MODEL["tiers"]
        )


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0003_enforcement_record_health_planning")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
