"""Health codes keep the factor weighing most instead of their whole breakdown,
which is now worked out from the records when it is shown."""

from django.db import migrations, models


def fill_top_factor(apps, schema_editor):
    HealthCode = apps.get_model("enforcement", "HealthCode")
    codes = []
    for code in HealthCode.objects.exclude(breakdown=[]).iterator(chunk_size=2000):
        if code.vetoed_by:
            code.top_factor = code.vetoed_by[0]
        else:
            code.top_factor = min(
                code.breakdown,
                key=lambda entry: (-entry["contribution"], entry["factor"]),
            )["factor"]
        codes.append(code)
        if len(codes) == 2000:
            HealthCode.objects.bulk_update(codes, ["top_factor"])
            codes = []
    HealthCode.objects.bulk_update(codes, ["top_factor"])


def narrower_rows_more_room(apps, schema_editor):
    """Rows without the breakdown are narrow: leave half of each page free for
    the nightly updates in place (HOT) on PostgreSQL."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE enforcement_healthcode SET (fillfactor = 50)"
        )


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0008_joint_inbox_indexes")]

    operations = [
        migrations.AddField(
            model_name="healthcode",
            name="top_factor",
            field=models.CharField(
                blank=True,
                help_text="The factor forcing the code red, or else contributing most.",
                max_length=100,
                verbose_name="top factor",
            ),
        ),
        migrations.RunPython(fill_top_factor, migrations.RunPython.noop),
        migrations.RemoveField(model_name="healthcode", name="breakdown"),
        migrations.RunPython(narrower_rows_more_room, migrations.RunPython.noop),
        migrations.AddField(
            model_name="recomputerun",
            name="initial",
            field=models.BooleanField(
                default=False,
                help_text="The run that gave the platform its first codes: they are "
                "the starting point of each enterprise's history, not colour changes.",
                verbose_name="initial run",
            ),
        ),
    ]
