"""Partition the readings table by month on PostgreSQL.

Django created ``monitoring_reading`` as a plain table (0001), which is what
SQLite keeps. On PostgreSQL this migration recreates it as
``PARTITION BY RANGE (observed_at)`` with the same columns, constraints and index
names (the composite primary key includes the partition key, as PostgreSQL
requires), a default partition, and monthly partitions around now. The time
index becomes a BRIN index: readings arrive in time order, and BRIN stays tiny
and cheap to maintain at minute resolution. Later months are created by
``monitoring.partitions.reading_partitions_ensure`` (a periodic task).
"""

from datetime import UTC, date, datetime

from django.db import migrations

TABLE = "monitoring_reading"


def _month_after(day):
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY contype DESC",
            [TABLE],
        )
        constraints = cursor.fetchall()
        old = f"{TABLE}_unpartitioned"
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (observed_at)"
        )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        # The primary key (sensor_id, observed_at) serves per-sensor lookups, so
        # the separate sensor_id index Django adds for the foreign key is left out.
        cursor.execute(
            f"CREATE INDEX monitoring_reading_time ON {TABLE} "
            "USING brin (observed_at) WITH (pages_per_range = 32)"
        )
        month = datetime.now(UTC).date().replace(day=1)
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        for _ in range(5):
            following = _month_after(month)
            low = datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()
            high = datetime(following.year, following.month, 1, tzinfo=UTC).isoformat()
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{month:%Y_%m} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{low}') TO ('{high}')"
            )
            month = following


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND conparentid = 0 ORDER BY contype DESC",
            [TABLE],
        )
        constraints = cursor.fetchall()
        old = f"{TABLE}_partitioned"
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old} CASCADE")
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f"CREATE INDEX monitoring_reading_time ON {TABLE} (observed_at)")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
