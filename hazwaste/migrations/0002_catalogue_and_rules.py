"""Ship the 2025 catalogue's categories, the codes common in a district, and the
default anomaly rules."""

from django.db import migrations


def forwards(apps, schema_editor):
    from hazwaste.catalogue_data import (
        ANY_INDUSTRY,
        CATEGORIES,
        COMMON_CODES,
        EDITION_2025,
    )
    from hazwaste.rule_defaults import DEFAULT_RULES

    Edition = apps.get_model("hazwaste", "CatalogueEdition")
    Category = apps.get_model("hazwaste", "WasteCategory")
    Code = apps.get_model("hazwaste", "WasteCode")
    Rule = apps.get_model("hazwaste", "AnomalyRule")
    edition, _ = Edition.objects.get_or_create(
        code=EDITION_2025["code"],
        defaults={
            "name": EDITION_2025["name"],
            "effective_from": EDITION_2025["effective_from"],
            "effective_until": EDITION_2025["effective_until"],
        },
    )
    categories = {}
    for code, name in CATEGORIES.items():
        categories[code], _ = Category.objects.get_or_create(
            edition=edition, code=code, defaults={"name": name}
        )
    for code, short_name, description, characteristics, note in COMMON_CODES:
        Code.objects.get_or_create(
            edition=edition,
            code=code,
            defaults={
                "category": categories["HW" + code[-2:]],
                "industry": ANY_INDUSTRY if code.startswith("900") else "",
                "short_name": short_name,
                "description": description,
                "characteristics": characteristics,
                "exemption_note": note,
            },
        )
    for code, (severity, parameters) in DEFAULT_RULES.items():
        Rule.objects.get_or_create(
            code=code, defaults={"severity": severity, "parameters": parameters}
        )


class Migration(migrations.Migration):
    dependencies = [("hazwaste", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
