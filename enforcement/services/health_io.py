"""Reading factors and storing codes for the health-code engine, set-based.

* ``QueryFactorSource``: per chunk of enterprises, one aggregate query per factor,
  scored in Python (``enforcement.scoring``) and written in bulk. Any database;
  also how one enterprise is recomputed after an event.
* ``SqlScoring`` (PostgreSQL full runs): one aggregate over every provider's
  records into a work table (one range of enterprises per connection), then
  per chunk one statement that scores and writes the codes that changed, with
  no row passing through Python but the colour changes. (Reading a chunk's
  records through an index would visit every page of the record tables once
  per chunk.) Several connections work at once (``HEALTH_RECOMPUTE_WORKERS``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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
FACTOR_WORK_MEM = "256MB"  # the one aggregate of every factor, once per run
MAX_SQL_FACTORS = 63  # vetoes are kept as the bits of a bigint
TOP_VETO = "CAST(1e18 AS bigint)"  # above any points, and ends in 000


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


IN_LIST_IDS = 1000  # up to this many enterprises are named one by one


def _restrict(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """The provider's rows of the given enterprises (sorted ids): named one by
    one when there are few, else every enterprise of their id range (a chunk)."""
    if len(ids) == 1:
        return queryset.filter(factor_enterprise=ids[0])
    if len(ids) <= IN_LIST_IDS:
        return queryset.filter(factor_enterprise__in=ids)
    return queryset.filter(
        factor_enterprise__gte=ids[0], factor_enterprise__lte=ids[-1]
    )


def _mapping_aggregates(result, ids: list[int]):
    wanted = set(ids)
    return {
        int(enterprise_id): FactorAggregate(raw=float(value), decayed=float(value))
        for enterprise_id, value in result.items()
        if int(enterprise_id) in wanted and value
    }


def factor_aggregates(
    *, factor: Factor, params: FactorParams, as_of: date, ids: list[int]
) -> dict[int, FactorAggregate]:
    """One query: the factor for the given enterprises (sorted ids)."""
    result = factor.provider(as_of=as_of)
    if not isinstance(result, QuerySet):
        return _mapping_aggregates(result, ids)
    queryset = _restrict(result.order_by(), ids)
    value = Cast("factor_value", FloatField())  # not numeric: see aggregate_sql
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
    """Per call, one aggregate query per factor over the records of the given
    enterprises (with the record ids behind each factor): an event's recompute,
    the breakdowns shown, a full run on SQLite."""

    def __init__(self, factors: list[tuple[Factor, FactorParams]], as_of: date):
        self.factors = factors
        self.as_of = as_of

    def chunk(self, ids: list[int]) -> dict[str, dict[int, FactorAggregate]]:
        """Per factor name, the aggregates of the given enterprises (sorted ids;
        more than ``IN_LIST_IDS`` must be a whole chunk of the id range)."""
        if connection.vendor == "postgresql":
            return self._chunk_in_one_query(ids)
        return {
            params.name: factor_aggregates(
                factor=factor, params=params, as_of=self.as_of, ids=ids
            )
            for factor, params in self.factors
        }

    def _chunk_in_one_query(self, ids: list[int]) -> dict[str, dict]:
        """PostgreSQL: every factor's aggregate in one round trip (an event's
        recompute of one enterprise is a handful of queries in all)."""
        result: dict[str, dict] = {}
        parts, sql_params = [], []
        for index, (factor, params) in enumerate(self.factors):
            rows = factor.provider(as_of=self.as_of)
            if not isinstance(rows, QuerySet):
                result[params.name] = _mapping_aggregates(rows, ids)
                continue
            result[params.name] = {}
            sql, part_params = aggregate_sql(_restrict(rows, ids), params, self.as_of)
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


def parallel(calls: list, workers: int) -> Iterator:
    """Run ``calls`` (no-argument functions) on up to ``workers`` threads and
    yield their results in order, each as soon as it and those before it are
    done. Each thread keeps one database connection for all the calls it
    takes. With one worker (or inside a transaction, whose uncommitted rows
    other connections cannot see) they run here, in order. An exception is
    raised where its call's result would be; the calls not yet started are
    then dropped."""
    if workers <= 1 or connection.in_atomic_block or len(calls) <= 1:
        yield from (call() for call in calls)
        return
    import queue
    import threading

    from django.db import connections

    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in enumerate(calls):
        todo.put(item)
    done: dict[int, tuple[bool, object]] = {}
    ready = threading.Condition()

    def work():
        try:
            while True:
                try:
                    index, call = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = (True, call())
                except BaseException as error:  # noqa: BLE001 - raised in order
                    outcome = (False, error)
                with ready:
                    done[index] = outcome
                    ready.notify()
        finally:
            connections.close_all()  # this thread's connections

    threads = [threading.Thread(target=work) for _ in range(min(workers, len(calls)))]
    for thread in threads:
        thread.start()
    try:
        for index in range(len(calls)):
            with ready:
                ready.wait_for(lambda index=index: index in done)
                ok, result = done.pop(index)
            if not ok:
                raise result
            yield result
    finally:
        while not todo.empty():  # nothing more starts
            try:
                todo.get_nowait()
            except queue.Empty:
                break
        for thread in threads:
            thread.join()


def _number(value: float) -> str:
    """A model parameter (a float from the database, never text) in SQL."""
    return f"CAST({float(value)!r} AS double precision)"


def _rows_sql(index: int, queryset: QuerySet, params: FactorParams, as_of: date):
    """One provider's records as (factor, enterprise_id, value, decayed by
    age). Double precision throughout: a literal like 1.0 is numeric in
    PostgreSQL, and EXP over numeric is many times slower."""
    inner, inner_params = (
        queryset.order_by()
        .values("factor_enterprise", "factor_on", "factor_value")
        .query.sql_with_params()
    )
    value = "CAST(f.factor_value AS double precision)"
    if params.half_life_days:
        decayed = (
            f"{value} * EXP(CAST(%s AS double precision) * "
            "(CAST(%s AS date) - CAST(f.factor_on AS date)))"
        )
        decay_params = [-LN2 / params.half_life_days, as_of]
    else:
        decayed, decay_params = value, []
    sql = (
        f"SELECT {int(index)} AS factor, f.factor_enterprise AS enterprise_id, "
        f"{value} AS value, {decayed} AS decayed FROM ({inner}) f"
    )
    return sql, [*decay_params, *inner_params]


def _mapping_rows_sql(index: int, mapping: dict):
    """A factor that is already an aggregate (``{enterprise_id: value}``), as
    rows: no decay, and an enterprise whose value is 0 has none (as in
    ``score_enterprise``)."""
    pairs = [(int(e), float(v)) for e, v in mapping.items() if v]
    sql = (
        f"SELECT {int(index)} AS factor, enterprise_id, value, value AS decayed "
        "FROM unnest(CAST(%s AS bigint[]), CAST(%s AS double precision[])) "
        "AS m (enterprise_id, value)"
    )
    return sql, [[e for e, _v in pairs], [v for _e, v in pairs]]


def _cents_sql(index: int, params: FactorParams) -> str:
    """One factor's points for one enterprise from its decayed sum ``d{index}``,
    in whole cents rounded as Python's ``cents()`` does (NULL: no records)."""
    points = f"{_number(params.weight)} * d{index}"
    if params.cap is not None:  # LEAST ignores a NULL: no records, no points
        points = (
            f"CASE WHEN d{index} IS NOT NULL "
            f"THEN LEAST({points}, {_number(params.cap)}) END"
        )
    return f"CAST(ROUND(CAST({points} AS numeric), 2) * 100 AS bigint)"


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
    "top_factor",
]
CODE_UPDATE_FIELDS = [
    "score",
    "colour",
    "model",
    "as_of",
    "computed_at",
    "colour_since",
    "vetoed_by",
    "top_factor",
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
        code.top_factor,
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
            "top_factor varchar(100)) ON COMMIT DELETE ROWS"
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
    """PostgreSQL full runs, in SQL from end to end (no row passes through
    Python but the colour changes):

    * once per run, one statement per range of enterprise ids (one range per
      worker, each on its own connection) reads every provider's rows in one
      pass (decay computed per record), sums them per enterprise and factor in
      one aggregate, caps, rounds and checks vetoes, and keeps per enterprise
      its score, vetoing factors and top factor in an unlogged work table (a
      work table, not a temporary one, so that several connections can share
      it; it is dropped at the run's end, or at the next run after a crash);
    * per chunk of enterprises, one statement colours them and writes the codes
      that changed, returning the colour changes (``health.py`` explains and
      records those), and one more gives a first code to those without one.

    It follows ``enforcement.scoring.score_enterprise``: the same
    contributions, score and colour to the cent, and the same top factor."""

    def __init__(
        self,
        snapshot: ModelSnapshot,
        factors: list[tuple[Factor, FactorParams]],
        as_of: date,
        *,
        token: str,
        workers: int = 1,
    ):
        if len(factors) > MAX_SQL_FACTORS:
            raise ValueError(f"at most {MAX_SQL_FACTORS} factors per risk model")
        self.snapshot = snapshot
        self.factors = factors
        self.table = f"{TABLE_PREFIX}{token}"
        params = [p for _factor, p in factors]
        self.params = {
            "names": [p.name for p in params],
            "red": snapshot.red_from,
            "yellow": snapshot.yellow_from,
            "model": snapshot.model_id,
        }
        drop_work_tables()
        self._build(as_of, workers)

    def _build(self, as_of: date, workers: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {self.table} (enterprise_id bigint, "
                "score numeric, vetoes bigint, top_key bigint)"
            )
            cursor.execute("SELECT min(id), max(id) FROM enforcement_enterprise")
            first, last = cursor.fetchone()
        if first is not None:  # one range of enterprise ids per worker
            size = (last - first) // max(workers, 1) + 1
            parts = [
                (start, min(start + size - 1, last))
                for start in range(first, last + 1, size)
            ]
            calls = [lambda part=part: self._build_part(as_of, *part) for part in parts]
            list(parallel(calls, workers))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE UNIQUE INDEX ON {self.table} (enterprise_id)")
            cursor.execute(f"ANALYZE {self.table}")
        self._statements()

    def _build_part(self, as_of: date, first: int, last: int) -> None:
        """One pass over every provider's records, one aggregate: per
        enterprise, each factor's sums side by side, then its score, vetoing
        factors (as the bits of a bigint) and top factor (in a key that sorts
        vetoing first, then by points, then by name: factors are in name order
        and the last three digits are 999 - index). Scalars only: an array per
        enterprise would cost more than the rest."""
        branches, params, sums, cents, vetoes, keys = [], [], [], [], [], []
        for index, (factor, factor_params) in enumerate(self.factors):
            rows = factor.provider(as_of=as_of)
            if isinstance(rows, QuerySet):
                rows = rows.filter(
                    factor_enterprise__gte=first, factor_enterprise__lte=last
                )
                sql, sql_params = _rows_sql(index, rows, factor_params, as_of)
            else:
                rows = {e: v for e, v in rows.items() if first <= int(e) <= last}
                sql, sql_params = _mapping_rows_sql(index, rows)
            branches.append(f"({sql})")
            params.extend(sql_params)
            sums.append(f"SUM(decayed) FILTER (WHERE factor = {index}) AS d{index}")
            cents.append(f"{_cents_sql(index, factor_params)} AS c{index}")
            veto = "false"
            if factor_params.veto_at is not None:
                sums.append(f"SUM(value) FILTER (WHERE factor = {index}) AS v{index}")
                veto = f"COALESCE(v{index} >= {_number(factor_params.veto_at)}, false)"
            cents.append(f"{veto} AS veto{index}")
            vetoes.append(f"CASE WHEN veto{index} THEN {1 << index} ELSE 0 END")
            keys.append(
                f"CASE WHEN veto{index} THEN {TOP_VETO} ELSE c{index} * 1000 END "
                f"+ {999 - index}"
            )
        if branches:
            select = f"""
SELECT enterprise_id,
       CAST({" + ".join(f"COALESCE(c{i}, 0)" for i in range(len(keys)))} AS numeric)
           / 100 AS score,
       CAST({" | ".join(vetoes)} AS bigint) AS vetoes,
       GREATEST({", ".join(keys)}) AS top_key
FROM (
    SELECT enterprise_id, {", ".join(cents)}
    FROM (
        SELECT enterprise_id, {", ".join(sums)}
        FROM ({" UNION ALL ".join(branches)}) r
        GROUP BY enterprise_id
    ) sums
    OFFSET 0  -- each factor's cents once, not once per use
) factors"""
        else:
            select = (
                "SELECT CAST(NULL AS bigint) AS enterprise_id, "
                "CAST(0 AS numeric) AS score, CAST(0 AS bigint) AS vetoes, "
                "CAST(0 AS bigint) AS top_key WHERE false"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            # room to aggregate a few hundred thousand groups without spilling
            cursor.execute(
                f"SET LOCAL work_mem = '{FACTOR_WORK_MEM}'; SET LOCAL jit = off"
            )
            cursor.execute(f"INSERT INTO {self.table} {select}", params)

    def _statements(self) -> None:
        code_table = HealthCode._meta.db_table
        names = "CAST(%(names)s AS text[])"
        vetoed_by = (
            f"CASE WHEN s.vetoes <> 0 THEN (SELECT jsonb_agg(({names})[i + 1] "
            f"ORDER BY i) FROM generate_series(0, {len(self.factors) - 1}) i "
            "WHERE s.vetoes & (CAST(1 AS bigint) << i) <> 0) ELSE '[]'::jsonb END"
        )
        # an enterprise with no records has no row: green at 0
        colour = (
            "CASE WHEN s.vetoes <> 0 OR s.score >= %(red)s THEN 'red' "
            "WHEN s.score >= %(yellow)s THEN 'yellow' ELSE 'green' END"
        )
        top_factor = f"COALESCE(({names})[1000 - CAST(s.top_key %% 1000 AS int)], '')"
        in_chunk = "BETWEEN %(first_id)s AND %(last_id)s"
        self.lock_sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {code_table} "
            f"WHERE enterprise_id {in_chunk} FOR UPDATE) locked"
        )
        # ``old`` reads the chunk's codes (locked by ``lock_sql`` first) as
        # they were before the statement (one snapshot for all its parts).
        # Enterprises with records are scored from the work table, those
        # without are green at 0; a code is written only when it changed (its
        # computed_at says when it last did).
        write = """
    SET score = c.score, colour = c.colour, model_id = %(model)s,
        as_of = %(as_of)s, computed_at = %(now)s,
        colour_since = CASE WHEN h.colour = c.colour THEN h.colour_since
                            ELSE %(now)s END,
        vetoed_by = c.vetoed_by, top_factor = c.top_factor"""
        changed = (
            "(h.score, h.colour, h.model_id, h.vetoed_by, h.top_factor) "
            "IS DISTINCT FROM (c.score, c.colour, %(model)s, c.vetoed_by, "
            "c.top_factor)"
        )
        self.update_sql = f"""
WITH old AS (
    SELECT enterprise_id, colour FROM {code_table} WHERE enterprise_id {in_chunk}
),
scored AS (
    UPDATE {code_table} h {write}
    FROM (
        SELECT s.enterprise_id, s.score, {colour} AS colour,
               {vetoed_by} AS vetoed_by, {top_factor} AS top_factor
        FROM {self.table} s WHERE s.enterprise_id {in_chunk}
    ) c
    WHERE h.enterprise_id = c.enterprise_id AND h.enterprise_id {in_chunk}
      AND {changed}
    RETURNING h.enterprise_id, h.colour, h.score
),
cleared AS (
    UPDATE {code_table} h {write}
    FROM (
        SELECT 0 AS score, 'green' AS colour, '[]'::jsonb AS vetoed_by,
               '' AS top_factor
    ) c
    WHERE h.enterprise_id {in_chunk} AND {changed}
      AND NOT EXISTS (
          SELECT 1 FROM {self.table} s
          WHERE s.enterprise_id = h.enterprise_id AND s.enterprise_id {in_chunk}
      )
    RETURNING h.enterprise_id, h.colour, h.score
)
SELECT n.enterprise_id, o.colour, n.colour, n.score
FROM (SELECT * FROM scored UNION ALL SELECT * FROM cleared) n
JOIN old o USING (enterprise_id)
WHERE o.colour <> n.colour
"""
        # Enterprises of the chunk without a code get one; a first code is
        # history when it is not green, as in ``_recompute_ids``.
        self.insert_sql = f"""
WITH inserted AS (
    INSERT INTO {code_table} (enterprise_id, score, colour, model_id, as_of,
                              computed_at, colour_since, vetoed_by, top_factor)
    SELECT e.id, COALESCE(s.score, 0), {colour}, %(model)s, %(as_of)s, %(now)s,
           %(now)s, {vetoed_by}, {top_factor}
    FROM enforcement_enterprise e
    LEFT JOIN {self.table} s
        ON s.enterprise_id = e.id AND s.enterprise_id {in_chunk}
    WHERE e.id {in_chunk}
      AND NOT EXISTS (
          SELECT 1 FROM {code_table} o
          WHERE o.enterprise_id = e.id AND o.enterprise_id {in_chunk}
      )
    -- an event's recompute got there first: its code is as fresh
    ON CONFLICT (enterprise_id) DO NOTHING
    RETURNING enterprise_id, colour, score
)
SELECT enterprise_id, '', colour, score FROM inserted
WHERE colour <> 'green' AND %(first_codes_are_history)s
"""

    def run(
        self,
        *,
        first_id: int,
        last_id: int,
        size: int,
        as_of: date,
        now,
        first_codes_are_history: bool = True,
    ) -> list[ChangeRow]:
        """Colour and store the codes of a chunk (``size`` enterprises from
        ``first_id`` to ``last_id``); return the colour changes."""
        params = {
            **self.params,
            "first_id": first_id,
            "last_id": last_id,
            "as_of": as_of,
            "now": now,
            "first_codes_are_history": first_codes_are_history,
        }
        rows = []
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'")
            # an event's recompute of one of them waits for this chunk
            cursor.execute(self.lock_sql, params)
            (codes,) = cursor.fetchone()
            if codes:
                cursor.execute(self.update_sql, params)
                rows.extend(cursor.fetchall())
            if codes < size:  # some have no code yet
                cursor.execute(self.insert_sql, params)
                rows.extend(cursor.fetchall())
        return [ChangeRow(*row) for row in rows]

    def close(self) -> None:
        drop_work_tables()
