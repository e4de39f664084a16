"""Monthly range partitions of the readings table on PostgreSQL.

Migration 0002 turns ``monitoring_reading`` into a table partitioned by
``observed_at`` with a default partition; this module keeps monthly partitions
ahead of time (a periodic task) and moves any rows that landed in the default
partition into their month. On other databases every function is a no-op, so the
same code runs on SQLite.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import connection, transaction

TABLE = "monitoring_reading"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s "
            "AND c.relnamespace = current_schema()::regnamespace)",
            [TABLE],
        )
        return bool(cursor.fetchone()[0])


def partition_list() -> list[str]:
    """Names of the readings table's partitions (empty on other databases)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [row[0] for row in cursor.fetchall()]


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def _create_month(cursor, month: date) -> None:
    name, low, high = partition_name(month), _bound(month), _bound(next_month(month))
    cursor.execute(
        f"SELECT 1 FROM {DEFAULT_PARTITION} WHERE observed_at >= %s "
        "AND observed_at < %s LIMIT 1",
        [low, high],
    )
    if cursor.fetchone() is None:
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {TABLE} "
            f"FOR VALUES FROM ('{low}') TO ('{high}')"
        )
        return
    # Rows of this month already sit in the default partition: move them into a
    # new table, then attach it (the attach checks the default holds none).
    cursor.execute(
        f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE observed_at >= %s "
        f"AND observed_at < %s RETURNING *) INSERT INTO {name} SELECT * FROM moved",
        [low, high],
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{low}') TO ('{high}')"
    )


def reading_partitions_ensure(
    *, start: date | None = None, through: date | None = None
) -> list[str]:
    """Create the monthly partitions from ``start`` to ``through`` (default: this
    month to three months ahead) that do not exist yet; return their names."""
    if not is_partitioned():
        return []
    today = datetime.now(UTC).date()
    month = month_start(start or today)
    last = month_start(through or today)
    if through is None:
        for _ in range(MONTHS_AHEAD):
            last = next_month(last)
    existing = set(partition_list())
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        # one maintainer at a time (the periodic task, the demo, a migration)
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        while month <= last:
            name = partition_name(month)
            if name not in existing:
                _create_month(cursor, month)
                created.append(name)
            month = next_month(month)
    return created
