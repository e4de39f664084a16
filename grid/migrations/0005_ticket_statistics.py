"""PostgreSQL: tell the planner that a ticket's officer and street go together,
so "my open tickets" walks the officer's partial index instead of sorting every
open ticket of the street (extended statistics; other databases skip this)."""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS grid_ticket_street_assignee "
    "(dependencies, ndistinct) ON street_id, assignee_id FROM grid_ticket"
)
DROP = "DROP STATISTICS IF EXISTS grid_ticket_street_assignee"


def run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("grid", "0004_ticket_categories_and_holidays")]
    operations = [migrations.RunPython(run(CREATE), run(DROP))]
