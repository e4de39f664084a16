"""Joint-enforcement measures enter the health code: a new risk-model version
(never an edit of the active one) that adds a strong factor for halt orders and
a lighter one for the other joint measures."""

from decimal import Decimal

from django.db import migrations

JOINT_FACTORS = [
    # factor, weight, half-life (days), cap
    ("enforcement.joint_halt_orders", "30", 365, "60"),
    ("enforcement.joint_measures", "5", 180, "20"),
]


def add(apps, schema_editor):
    RiskModel = apps.get_model("enforcement", "RiskModel")
    RiskModelFactor = apps.get_model("enforcement", "RiskModelFactor")
    RiskTier = apps.get_model("enforcement", "RiskTier")
    current = RiskModel.objects.filter(is_active=True).first()
    if current is None:
        return
    names = {name for name, *_rest in JOINT_FACTORS}
    if current.factors.filter(factor__in=names).exists():
        return
    version = (
        RiskModel.objects.order_by("-version").values_list("version", flat=True)[0]
        + 1
    )
    current.is_active = False
    current.save(update_fields=["is_active"])
    new = RiskModel.objects.create(
        version=version,
        name=current.name,
        note="Adds joint-enforcement measures (halt orders weigh heavily).",
        yellow_from=current.yellow_from,
        red_from=current.red_from,
        is_active=True,
    )
    RiskModelFactor.objects.bulk_create(
        [
            RiskModelFactor(
                model=new,
                factor=f.factor,
                weight=f.weight,
                half_life_days=f.half_life_days,
                cap=f.cap,
                veto_at=f.veto_at,
            )
            for f in current.factors.all()
        ]
        + [
            RiskModelFactor(
                model=new,
                factor=name,
                weight=Decimal(weight),
                half_life_days=half_life,
                cap=Decimal(cap),
            )
            for name, weight, half_life, cap in JOINT_FACTORS
        ]
    )
    RiskTier.objects.bulk_create(
        RiskTier(
            model=new,
            colour=t.colour,
            inspections_per_year=t.inspections_per_year,
            sampling_ratio=t.sampling_ratio,
        )
        for t in current.tiers.all()
    )


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0005_joint_enforcement")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
