"""Starter questionnaires for catering, construction sites, auto repair and a
general scheme (version 1), so a fresh install can open a cycle at once."""

from django.db import migrations


def load(apps, schema_editor):
    from credit.rules import DEFAULT_RULE
    from credit.starter import load_starter_schemes

    load_starter_schemes(
        apps.get_model("credit", "Scheme"),
        apps.get_model("credit", "SchemeItem"),
        DEFAULT_RULE,
    )


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
