"""The two lists every Shanghai district receives from the city."""

from django.db import migrations

LISTS = [
    (
        "key-supervision",
        "重点监管企业",
        "key_supervision",
        "市级重点监管企业名录（重点排污单位等）",
    ),
    (
        "positive-list",
        "正面清单",
        "positive_list",
        "监督执法正面清单：原则上不开展现场检查，以非现场方式监管",
    ),
]


def create(apps, schema_editor):
    CityList = apps.get_model("exchange", "CityList")
    for code, name, kind, description in LISTS:
        CityList.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "description": description}
        )


def remove(apps, schema_editor):
    apps.get_model("exchange", "CityList").objects.filter(
        code__in=[code for code, *_ in LISTS], entries__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
