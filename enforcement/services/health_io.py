"""Reading factors and storing codes for the health-code engine, set-based.

* ``QueryFactorSource``: per chunk of enterprises, one aggregate query per factor,
  scored in Python (``enforcement.scoring``) and written in bulk. Any database;
  also how one enterprise is recomputed after an event.
* ``TableFactorSource`` + ``SqlScoring`` (PostgreSQL full runs): one pass per
  factor over all enterprises into a work table, then one statement per chunk
  that joins, scores, explains, upserts and records colour changes, with no row
  passing through Python. (Reading a chunk's records through an index would
  visit every page of the record tables once per chunk.) Chunks can be scored
  by several connections at once (``HEALTH_RECOMPUTE_WORKERS``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    QuerySet,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Exp

from enforcement.models import HealthCode, HealthCodeChange
from enforcement.registry import Factor
from enforcement.scoring import LN2, FactorAggregate, FactorParams, ModelSnapshot

MAX_RECORD_REFS = 20  # record ids kept per factor (newest first); the total is kept
COPY_FROM_ROWS = 500  # below this a plain bulk INSERT is quicker than COPY
WORK_MEM = "64MB"  # per aggregate of a full run (PostgreSQL)


class DaysBetween(Func):
    """Days from ``start`` to ``end`` (two dates) as a float, in SQL."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"CAST((CAST({end_sql} AS date) - CAST({start_sql} AS date)) "
            "AS double precision)",
            (*end_params, *start_params),
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"(julianday({end_sql}) - julianday({start_sql}))",
            (*end_params, *start_params),
        )


class GroupConcat(Aggregate):
    """SQLite's GROUP_CONCAT: the ids as one comma-separated string."""

    function = "GROUP_CONCAT"
    output_field = TextField()


def _id_list_aggregate():
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        return ArrayAgg("pk")
    return GroupConcat("pk")


def _parse_ids(value) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        ids = [int(part) for part in value.split(",") if part]
    else:
        ids = list(value)
    ids.sort(reverse=True)  # newest first: ids grow with time
    return tuple(ids[:MAX_RECORD_REFS])


def _mapping_aggregates(result, first_id: int, last_id: int):
    return {
        int(enterprise_id): FactorAggregate(raw=float(value), decayed=float(value))
        for enterprise_id, value in result.items()
        if first_id <= int(enterprise_id) <= last_id and value
    }


def factor_aggregates(
    *,
    factor: Factor,
    params: FactorParams,
    as_of: date,
    first_id: int,
    last_id: int,
) -> dict[int, FactorAggregate]:
    """One query: the factor for every enterprise with first_id ≤ id ≤ last_id."""
    result = factor.provider(as_of=as_of)
    if not isinstance(result, QuerySet):
        return _mapping_aggregates(result, first_id, last_id)
    queryset = result.order_by()
    if first_id == last_id:
        queryset = queryset.filter(factor_enterprise=first_id)
    else:
        queryset = queryset.filter(
            factor_enterprise__gte=first_id, factor_enterprise__lte=last_id
        )
    value = Cast("factor_value", FloatField())  # not numeric: see _aggregate_sql
    if params.half_life_days:
        weight = Exp(
            Cast(Value(-LN2 / params.half_life_days), FloatField())
            * DaysBetween(Value(as_of), F("factor_on"))
        )
        decayed = Sum(value * weight, output_field=FloatField())
    else:
        decayed = Sum(value, output_field=FloatField())
    rows = queryset.values_list("factor_enterprise").annotate(
        raw=Sum(value, output_field=FloatField()),
        decayed=decayed,
        total=Count("pk"),
        ids=_id_list_aggregate(),
    )
    return {
        enterprise_id: FactorAggregate(
            raw=raw or 0.0, decayed=value or 0.0, total=total, ids=_parse_ids(ids)
        )
        for enterprise_id, raw, value, total, ids in rows
    }


class QueryFactorSource:
    """Per chunk, one aggregate query per factor."""

    def __init__(self, factors: list[tuple[Factor, FactorParams]], as_of: date):
        self.factors = factors
        self.as_of = as_of

    def chunk(self, first_id: int, last_id: int) -> dict[str, dict]:
        if connection.vendor == "postgresql":
            return self._chunk_in_one_query(first_id, last_id)
        return {
            params.name: factor_aggregates(
                factor=factor,
                params=params,
                as_of=self.as_of,
                first_id=first_id,
                last_id=last_id,
            )
            for factor, params in self.factors
        }

    def _chunk_in_one_query(self, first_id: int, last_id: int) -> dict[str, dict]:
        """PostgreSQL: every factor's aggregate in one round trip (an event's
        recompute of one enterprise is a handful of queries in all)."""
        result: dict[str, dict] = {}
        parts, sql_params = [], []
        for index, (factor, params) in enumerate(self.factors):
            rows = factor.provider(as_of=self.as_of)
            if not isinstance(rows, QuerySet):
                result[params.name] = _mapping_aggregates(rows, first_id, last_id)
                continue
            result[params.name] = {}
            rows = (
                rows.filter(factor_enterprise=first_id)
                if first_id == last_id
                else rows.filter(
                    factor_enterprise__gte=first_id, factor_enterprise__lte=last_id
                )
            )
            sql, part_params = aggregate_sql(rows, params, self.as_of)
            parts.append(f"SELECT {index} AS factor_index, a.* FROM ({sql}) a")
            sql_params.extend(part_params)
        if parts:
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), sql_params)
                for index, enterprise_id, raw, decayed, total, ids in cursor.fetchall():
                    result[self.factors[index][1].name][enterprise_id] = (
                        FactorAggregate(
                            raw or 0.0, decayed or 0.0, total, _parse_ids(ids)
                        )
                    )
        return result

    def close(self) -> None:
        pass


def aggregate_sql(queryset: QuerySet, params: FactorParams, as_of: date):
    """PostgreSQL: one factor aggregated per enterprise (raw, decayed, count,
    up to MAX_RECORD_REFS record ids) from its provider's rows."""
    inner, inner_params = (
        queryset.order_by()
        .annotate(factor_record=F("pk"))
        .values("factor_record", "factor_enterprise", "factor_on", "factor_value")
        .query.sql_with_params()
    )
    # double precision throughout: a literal like 1.0 is numeric in
    # PostgreSQL, and EXP over numeric is many times slower
    value = "CAST(f.factor_value AS double precision)"
    if params.half_life_days:
        decayed = (
            f"SUM({value} * EXP(CAST(%s AS double precision) * "
            "(CAST(%s AS date) - CAST(f.factor_on AS date))))"
        )
        decay_params = (-LN2 / params.half_life_days, as_of)
    else:
        decayed, decay_params = f"SUM({value})", ()
    sql = (
        "SELECT f.factor_enterprise AS enterprise_id, "
        f"SUM({value}) AS raw, "
        f"{decayed} AS decayed, "
        "COUNT(*) AS total, "
        # unordered: a sort here would cost more than the rest of the run
        f"(ARRAY_AGG(f.factor_record))[1:{MAX_RECORD_REFS}] AS ids "
        f"FROM ({inner}) f GROUP BY f.factor_enterprise"
    )
    return sql, (*decay_params, *inner_params)


TABLE_PREFIX = "enforcement_health_factor_"


def parallel(calls: list, workers: int) -> list:
    """Run ``calls`` (no-argument functions) on up to ``workers`` threads, each
    with its own database connection, and return their results in order. With
    one worker (or inside a transaction, whose uncommitted rows other
    connections cannot see) they run here, in order."""
    if workers <= 1 or connection.in_atomic_block or len(calls) <= 1:
        return [call() for call in calls]
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run(call):
        try:
            return call()
        finally:
            connections.close_all()  # this thread's connections

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


class TableFactorSource:
    """PostgreSQL: each factor aggregated once for all enterprises into an
    unlogged work table (decay, totals and record ids computed in SQL), then
    read a chunk at a time with one joined query. Work tables (not temporary
    ones) so that several connections can score chunks at once; they belong to
    one run and are dropped at its end (or at the next run, after a crash)."""

    def __init__(
        self,
        factors: list[tuple[Factor, FactorParams]],
        as_of: date,
        *,
        token: str,
        workers: int = 1,
    ):
        self.as_of = as_of
        self.tables: list[tuple[str, str]] = []  # (factor name, table)
        drop_work_tables()
        calls = []
        for index, (factor, params) in enumerate(factors):
            result = factor.provider(as_of=as_of)
            table = f"{TABLE_PREFIX}{token}_{index}"
            if isinstance(result, QuerySet):
                sql, sql_params = aggregate_sql(result, params, as_of)
                calls.append(_table_builder(table, sql, sql_params))
            else:
                _mapping_table(table, result)
            self.tables.append((params.name, table))
        parallel(calls, workers)

    def chunk(self, first_id: int, last_id: int) -> dict[str, dict]:
        result: dict[str, dict] = {name: {} for name, _table in self.tables}
        for name, table in self.tables:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT enterprise_id, raw, decayed, total, ids FROM {table} "
                    "WHERE enterprise_id BETWEEN %s AND %s",
                    [first_id, last_id],
                )
                rows = result[name]
                for enterprise_id, raw, decayed, total, ids in cursor.fetchall():
                    rows[enterprise_id] = FactorAggregate(
                        raw or 0.0, decayed or 0.0, total, tuple(ids)
                    )
        return result

    def close(self) -> None:
        drop_work_tables()


def _table_builder(table: str, sql: str, params):
    def build():
        with transaction.atomic(), connection.cursor() as cursor:
            # room to aggregate a few hundred thousand groups without spilling
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} AS {sql}", params)
            cursor.execute(f"CREATE UNIQUE INDEX ON {table} (enterprise_id)")
            cursor.execute(f"ANALYZE {table}")

    return build


def _mapping_table(table: str, mapping: dict) -> None:
    """A factor that is already an aggregate (``{enterprise_id: value}``) as a
    work table like the others: no decay, no record references, and an
    enterprise whose value is 0 has no row (as in ``score_enterprise``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} (enterprise_id bigint PRIMARY KEY, "
            "raw double precision, decayed double precision, total bigint, "
            "ids bigint[])"
        )
    _copy(
        table,
        ["enterprise_id", "raw", "decayed", "total", "ids"],
        (
            (int(enterprise_id), float(value), float(value), 0, [])
            for enterprise_id, value in mapping.items()
            if value
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def drop_work_tables() -> None:
    """Drop every factor work table (the caller holds the run's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE %s",
            [TABLE_PREFIX.replace("_", r"\_") + "%"],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')


def factor_source(
    factors: list[tuple[Factor, FactorParams]],
    as_of: date,
    *,
    full: bool,
    token: str = "run",
    workers: int = 1,
):
    if full and connection.vendor == "postgresql":
        return TableFactorSource(factors, as_of, token=token, workers=workers)
    return QueryFactorSource(factors, as_of)


# ------------------------------------------------------------------- storing


CODE_COLUMNS = [
    "enterprise_id",
    "score",
    "colour",
    "model_id",
    "as_of",
    "computed_at",
    "colour_since",
    "vetoed_by",
    "breakdown",
]
CODE_UPDATE_FIELDS = [
    "score",
    "colour",
    "model",
    "as_of",
    "computed_at",
    "colour_since",
    "vetoed_by",
    "breakdown",
]
CHANGE_COLUMNS = [
    "enterprise_id",
    "from_colour",
    "to_colour",
    "score",
    "model_id",
    "as_of",
    "changed_at",
    "trigger",
    "breakdown",
]


def _copy(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _code_row(code: HealthCode) -> tuple:
    return (
        code.enterprise_id,
        code.score,
        code.colour,
        code.model_id,
        code.as_of,
        code.computed_at,
        code.colour_since,
        json.dumps(code.vetoed_by),
        json.dumps(code.breakdown, ensure_ascii=False),
    )


def store_codes(codes: list[HealthCode]) -> None:
    """Insert or update the codes of a chunk."""
    if connection.vendor != "postgresql" or len(codes) < COPY_FROM_ROWS:
        HealthCode.objects.bulk_create(
            codes,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["enterprise"],
            update_fields=CODE_UPDATE_FIELDS,
        )
        return
    table = HealthCode._meta.db_table
    load = f"{table}_load"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {load} (enterprise_id bigint, "
            "score numeric(11, 2), colour varchar(10), model_id bigint, as_of date, "
            "computed_at timestamptz, colour_since timestamptz, vetoed_by jsonb, "
            "breakdown jsonb) ON COMMIT DELETE ROWS"
        )
    _copy(load, CODE_COLUMNS, (_code_row(code) for code in codes))
    columns = ", ".join(CODE_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in CODE_COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {load} "
            f"ON CONFLICT (enterprise_id) DO UPDATE SET {updates}"
        )
        cursor.execute(f"TRUNCATE {load}")


def store_changes(changes: list[HealthCodeChange]) -> None:
    """Append colour changes (history: never updated)."""
    if connection.vendor != "postgresql" or len(changes) < COPY_FROM_ROWS:
        HealthCodeChange.objects.bulk_create(changes, batch_size=2000)
        return
    _copy(
        HealthCodeChange._meta.db_table,
        CHANGE_COLUMNS,
        (
            (
                c.enterprise_id,
                c.from_colour,
                c.to_colour,
                c.score,
                c.model_id,
                c.as_of,
                c.changed_at,
                c.trigger,
                json.dumps(c.breakdown, ensure_ascii=False),
            )
            for c in changes
        ),
    )


# ------------------------------------------------- scoring in SQL (PostgreSQL)


@dataclass(frozen=True)
class ChangeRow:
    """A colour change written by a chunk (for counting and notifications)."""

    enterprise_id: int
    from_colour: str
    to_colour: str
    score: Decimal


class SqlScoring:
    """PostgreSQL full runs: the factor temp tables joined, scored, coloured,
    explained (breakdown JSON), upserted and their colour changes appended by
    one statement per chunk; Python handles no row. It follows
    ``enforcement.scoring.score_enterprise`` (the same contributions, score and
    colour to the cent; the breakdown lists factors in model order, readers sort
    it by contribution)."""

    def __init__(self, snapshot: ModelSnapshot, source: TableFactorSource):
        self.snapshot = snapshot
        self.source = source
        self.params: dict[str, object] = {}
        tables = dict(source.tables)
        selected = [p for p in snapshot.factors if p.name in tables]
        self.sql = self._statement([(p, tables[p.name]) for p in selected])

    def _param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def _statement(self, factors: list[tuple[FactorParams, str]]) -> str:
        columns, joins, points, vetoes, entries = [], [], [], [], []
        for i, (params, table) in enumerate(factors):
            columns.append(
                f"f{i}.raw AS raw{i}, f{i}.decayed AS dec{i}, f{i}.total AS n{i}, "
                f"f{i}.ids AS ids{i}"
            )
            # the range lets each chunk read its slice of the table by index
            joins.append(
                f"LEFT JOIN {table} f{i} ON f{i}.enterprise_id = e.id AND "
                f"f{i}.enterprise_id BETWEEN %(first_id)s AND %(last_id)s"
            )
            weighted = f"({self._param(params.weight)} * dec{i})"
            if params.cap is not None:
                weighted = f"LEAST({weighted}, {self._param(params.cap)})"
            veto = (
                f"COALESCE(raw{i} >= {self._param(params.veto_at)}, false)"
                if params.veto_at is not None
                else "false"
            )
            # LEAST skips NULLs: an enterprise without records must get NULL
            points.append(
                f"CASE WHEN n{i} IS NOT NULL THEN ROUND(CAST({weighted} AS numeric), 2)"
                f" END AS c{i}, {veto} AS veto{i}"
            )
            name = f"{self._param(params.name)}::text"
            if params.veto_at is not None:
                vetoes.append(f"CASE WHEN veto{i} THEN {name} END")
            entries.append(
                f"CASE WHEN n{i} IS NOT NULL THEN jsonb_build_object("
                f"'factor', {name}, "
                f"'raw', ROUND(raw{i} * 10000) / 10000, "
                f"'weight', {self._param(params.weight)}::double precision, "
                f"'decayed', ROUND(dec{i} * 10000) / 10000, "
                f"'contribution', c{i}, "
                f"'records_total', n{i}, 'records', to_jsonb(ids{i})) END"
            )
        count = len(factors)
        score = " + ".join(f"COALESCE(c{i}, 0)" for i in range(count)) or "0"
        vetoed = " OR ".join(f"veto{i}" for i in range(count)) or "false"
        vetoed_by = (
            f"to_jsonb(array_remove(ARRAY[{', '.join(vetoes)}]::text[], NULL))"
            if vetoes
            else "'[]'::jsonb"
        )
        breakdown = (
            f"to_jsonb(array_remove(ARRAY[{', '.join(entries)}]::jsonb[], NULL))"
            if entries
            else "'[]'::jsonb"
        )
        red = self._param(self.snapshot.red_from)
        yellow = self._param(self.snapshot.yellow_from)
        model = self._param(self.snapshot.model_id)
        code_table = HealthCode._meta.db_table
        change_table = HealthCodeChange._meta.db_table
        joined_columns = ", ".join(["e.id AS enterprise_id", *columns])
        return f"""
WITH joined AS (
    SELECT {joined_columns}
    FROM enforcement_enterprise e {" ".join(joins)}
    WHERE e.id BETWEEN %(first_id)s AND %(last_id)s
),
pointed AS (
    SELECT *, {", ".join(points) or "0 AS nothing"} FROM joined
),
scored AS (
    SELECT enterprise_id, {score} AS score, ({vetoed}) AS vetoed,
           {vetoed_by} AS vetoed_by, {breakdown} AS breakdown
    FROM pointed
),
codes AS (
    SELECT enterprise_id, score, vetoed_by, breakdown,
           CASE WHEN vetoed OR score >= {red} THEN 'red'
                WHEN score >= {yellow} THEN 'yellow' ELSE 'green' END AS colour
    FROM scored
),
old AS (
    SELECT enterprise_id, colour, colour_since FROM {code_table}
    WHERE enterprise_id BETWEEN %(first_id)s AND %(last_id)s
    FOR UPDATE
),
upserted AS (
    INSERT INTO {code_table} (enterprise_id, score, colour, model_id, as_of,
                              computed_at, colour_since, vetoed_by, breakdown)
    SELECT c.enterprise_id, c.score, c.colour, {model}, %(as_of)s, %(now)s,
           CASE WHEN o.colour = c.colour THEN o.colour_since ELSE %(now)s END,
           c.vetoed_by, c.breakdown
    FROM codes c LEFT JOIN old o USING (enterprise_id)
    ON CONFLICT (enterprise_id) DO UPDATE SET
        score = EXCLUDED.score, colour = EXCLUDED.colour,
        model_id = EXCLUDED.model_id, as_of = EXCLUDED.as_of,
        computed_at = EXCLUDED.computed_at, colour_since = EXCLUDED.colour_since,
        vetoed_by = EXCLUDED.vetoed_by, breakdown = EXCLUDED.breakdown
    -- an unchanged code is not rewritten (its computed_at says when it last was)
    WHERE ({code_table}.score, {code_table}.colour, {code_table}.model_id,
           {code_table}.vetoed_by, {code_table}.breakdown)
          IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.colour, EXCLUDED.model_id,
                            EXCLUDED.vetoed_by, EXCLUDED.breakdown)
    RETURNING 1
),
changes AS (
    INSERT INTO {change_table} (enterprise_id, from_colour, to_colour, score,
                                model_id, as_of, changed_at, trigger, breakdown)
    SELECT c.enterprise_id, COALESCE(o.colour, ''), c.colour, c.score, {model},
           %(as_of)s, %(now)s, %(trigger)s, c.breakdown
    FROM codes c LEFT JOIN old o USING (enterprise_id)
    WHERE (o.colour IS NULL AND c.colour <> 'green') OR o.colour <> c.colour
    RETURNING enterprise_id, from_colour, to_colour, score
)
SELECT (SELECT count(*) FROM upserted), enterprise_id, from_colour, to_colour, score
FROM changes
"""

    def run(
        self, *, first_id: int, last_id: int, as_of: date, now, trigger: str
    ) -> list[ChangeRow]:
        with connection.cursor() as cursor:
            # JIT compiling this wide statement costs more than it saves on a
            # chunk (~0.15 s of 1 s); the sorts of the upsert fit in memory
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(
                self.sql,
                {
                    **self.params,
                    "first_id": first_id,
                    "last_id": last_id,
                    "as_of": as_of,
                    "now": now,
                    "trigger": trigger,
                },
            )
            return [ChangeRow(*row[1:]) for row in cursor.fetchall()]
