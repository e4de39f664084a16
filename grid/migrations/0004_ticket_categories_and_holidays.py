"""Starter data: ticket categories with stage limits (working hours) and the
public-holiday calendar. Both are editable in the admin afterwards."""

from decimal import Decimal

from django.db import migrations

# Stage limits in working hours. Source: local practice for 12345/12369 complaint
# handling (dispatch the same half day, accept within half a day, handle within
# 2-5 working days by class); check against the district's own rules.
CATEGORIES = [
    # code, name, English name, dispatch, accept, handle, verify
    ("odour", "异味", "Odour", 2, 4, 24, 16),
    ("cooking_fume", "餐饮油烟", "Cooking fume", 2, 4, 40, 16),
    ("noise", "噪声", "Noise", 2, 4, 16, 16),
    ("dust", "扬尘", "Dust", 2, 4, 16, 16),
    ("wastewater", "污水排放", "Wastewater", 2, 4, 24, 16),
    ("waste", "固体废物/危险废物", "Solid or hazardous waste", 2, 4, 24, 16),
    ("other", "其他", "Other", 4, 8, 40, 16),
]

# Source: State Council General Office notices on the public-holiday arrangements
# for 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号).
HOLIDAYS = {
    "元旦": ["2025-01-01", "2026-01-01", "2026-01-02", "2026-01-03"],
    "春节": [
        "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04",
        "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18",
        "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
    ],
    "清明节": ["2025-04-04", "2025-04-05", "2025-04-06",
              "2026-04-04", "2026-04-05", "2026-04-06"],
    "劳动节": ["2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05",
              "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05"],
    "端午节": ["2025-05-31", "2025-06-01", "2025-06-02",
              "2026-06-19", "2026-06-20", "2026-06-21"],
    "中秋节": ["2026-09-25", "2026-09-26", "2026-09-27"],
    "国庆节": ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04",
              "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08",
              "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
              "2026-10-05", "2026-10-06", "2026-10-07"],
}
MAKE_UP_WORKDAYS = [
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
    "2026-10-10",
]


def load(apps, schema_editor):
    TicketCategory = apps.get_model("grid", "TicketCategory")
    Holiday = apps.get_model("grid", "Holiday")
    for order, (code, name, name_en, *hours) in enumerate(CATEGORIES):
        TicketCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sort_order": order,
                **{
                    f"{stage}_hours": Decimal(value)
                    for stage, value in zip(
                        ("dispatch", "accept", "handle", "verify"), hours
                    )
                },
            },
        )
    for name, days in HOLIDAYS.items():
        for day in days:
            Holiday.objects.update_or_create(
                date=day, defaults={"kind": "holiday", "name": name}
            )
    for day in MAKE_UP_WORKDAYS:
        Holiday.objects.update_or_create(
            date=day, defaults={"kind": "workday", "name": "调休上班"}
        )


def unload(apps, schema_editor):
    apps.get_model("grid", "Holiday").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("grid", "0003_tickets")]
    operations = [migrations.RunPython(load, unload)]
