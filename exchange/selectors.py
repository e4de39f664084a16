"""Reads of the exchange: who reads (a city client or a bureau user), the export
window and its watermark, the rows of a dataset and their deletions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from enforcement.models import RecomputeRun
from exchange.datasets import DATASETS, Dataset
from exchange.models import (
    CityListEntry,
    CityListImport,
    ExchangeClient,
    ExportFile,
    ExportJob,
)
from grid.models import Agency, District
from grid.selectors import user_scope

# A recompute that made no progress for this long is dead, not running.
RECOMPUTE_STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class ClientPrincipal:
    """The identity of a request made with an exchange client's key: not a user,
    so it owns no rows and can write nothing; it reads its districts."""

    client: ExchangeClient
    district_ids: frozenset[int] = field(default_factory=frozenset)

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    username = ""

    def __str__(self) -> str:
        return f"exchange client {self.client.name}"

    def get_username(self) -> str:
        return self.username


def dataset_get(name: str) -> Dataset:
    return DATASETS[name]


def dataset_list() -> list[Dataset]:
    return list(DATASETS.values())


def dataset_queryset(*, dataset: Dataset, reader) -> QuerySet:
    """The dataset's rows the reader may see: a city client its districts, a
    user what the owning app's selector gives them."""
    if isinstance(reader, ClientPrincipal):
        return dataset.model.objects.filter(
            **{f"{dataset.district_path}__in": reader.district_ids}
        )
    return dataset.user_rows(user=reader)


# ----------------------------------------------------------------------- window


@dataclass(frozen=True)
class Window:
    """Rows changed in (since, until]; ``until`` is the watermark the client
    sends as ``updated_since`` next time."""

    since: datetime | None
    until: datetime

    @property
    def incremental(self) -> bool:
        return self.since is not None

    def days(self, lookback: int) -> tuple[date | None, date]:
        """Day-windowed datasets: the days that may have changed - from the
        local day of ``since`` minus the recompute lookback to that of ``until``."""
        last = timezone.localdate(self.until)
        if self.since is None:
            return None, last
        since = timezone.localdate(self.since)
        if (since - date.min).days <= lookback:  # every day there is
            return None, last
        return since - timedelta(days=lookback), last


def _oldest_open_transaction() -> datetime | None:
    """When the oldest other open transaction on this database began: a row it
    writes now carries a time after that, but shows up only when it commits."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND xact_start IS NOT NULL "
            "AND state <> 'idle'"
        )
        return cursor.fetchone()[0]


def safe_until(*, dataset: Dataset, now: datetime | None = None) -> datetime:
    """The latest watermark that cannot skip a row still being written: now less
    the settle time, no later than the oldest open transaction and, for health
    codes, the start of a recompute still in progress (its codes carry the run's
    start time and commit chunk by chunk)."""
    now = now or timezone.now()
    until = now - timedelta(seconds=settings.EXCHANGE_SETTLE_SECONDS)
    oldest = _oldest_open_transaction()
    if oldest is not None:
        # strictly before it: its rows and history events may carry that time
        until = min(until, oldest - timedelta(microseconds=1))
    if dataset.changed == "computed_at":
        running = (
            RecomputeRun.objects.filter(
                status=RecomputeRun.Status.RUNNING,
                updated_at__gte=now - RECOMPUTE_STALE_AFTER,
            )
            .order_by("started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        if running is not None:
            until = min(until, running)
    return until


def window_check(*, since: datetime | None, until: datetime | None) -> None:
    """A reversed window is an error naming ``updated_until``."""
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            fields={
                "updated_until": [
                    _("The end of the window is before its start (updated_since).")
                ]
            }
        )


def export_window(
    *,
    dataset: Dataset,
    since: datetime | None,
    until: datetime | None,
    now: datetime | None = None,
) -> Window:
    """Validate a requested window and bound it by the safe watermark. A
    reversed window is an error naming ``updated_until``."""
    window_check(since=since, until=until)
    limit = safe_until(dataset=dataset, now=now)
    effective = limit if until is None else min(until, limit)
    if since is not None and effective < since:
        effective = since  # nothing new yet; the watermark never goes back
    return Window(since=since, until=effective)


# ------------------------------------------------------------------------- rows


def dataset_rows(*, dataset: Dataset, reader, window: Window) -> Iterator[tuple]:
    """The dataset's rows in the window as tuples in column order, streamed from
    a server-side cursor, ordered by the natural order of the table (id)."""
    queryset = dataset_queryset(dataset=dataset, reader=reader)
    if dataset.day:
        first, last = window.days(settings.EXCHANGE_ROLLUP_LOOKBACK_DAYS)
        queryset = queryset.filter(**{f"{dataset.day}__lte": last})
        if first is not None:
            queryset = queryset.filter(**{f"{dataset.day}__gte": first})
    else:
        changed = Q(**{f"{dataset.changed}__lte": window.until})
        if window.since is not None:
            changed &= Q(**{f"{dataset.changed}__gt": window.since})
            if dataset.changed_elsewhere is not None:
                changed |= dataset.changed_elsewhere(window.since, window.until)
        queryset = queryset.filter(changed)
    sources = [column.source for column in dataset.columns]
    rows = (
        queryset.select_related(None)
        .prefetch_related(None)
        .order_by("pk")
        .values_list(*sources)
        .iterator(chunk_size=settings.EXCHANGE_CHUNK_SIZE)
    )
    if any(column.per_chunk for column in dataset.columns):
        return _fill_per_chunk(dataset, rows)
    return rows


def _fill_per_chunk(dataset: Dataset, rows: Iterator[tuple]) -> Iterator[tuple]:
    """Fill the columns read from other tables, one query per column and chunk
    of rows (never per row)."""
    filled = [(i, c) for i, c in enumerate(dataset.columns) if c.per_chunk]
    chunk: list[tuple] = []

    def flush():
        values = {
            i: column.per_chunk([row[i] for row in chunk]) for i, column in filled
        }
        for row in chunk:
            row = list(row)
            for i, column in filled:
                row[i] = values[i].get(row[i], column.default)
            yield tuple(row)

    for row in rows:
        chunk.append(row)
        if len(chunk) >= settings.EXCHANGE_CHUNK_SIZE:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


@dataclass(frozen=True)
class Deletion:
    id: int
    key: str
    deleted_at: datetime


def dataset_deletions(*, dataset: Dataset, reader, window: Window) -> list[Deletion]:
    """Rows of the dataset deleted in the window, from the history events
    (PostgreSQL triggers; none are recorded on SQLite). Only incremental
    windows carry deletions: a full export is the whole truth."""
    if dataset.tombstones is None or window.since is None:
        return []
    tombstones = dataset.tombstones
    events = apps.get_model(tombstones.event_model).objects.filter(
        pgh_label="delete",
        pgh_created_at__gt=window.since,
        pgh_created_at__lte=window.until,
    )
    if isinstance(reader, ClientPrincipal):
        events = events.filter(
            **{f"{tombstones.district_path}__in": reader.district_ids}
        )
    else:
        events = tombstones.user_scope(events, reader)
    rows = events.order_by("pgh_created_at", "pgh_id").values_list(
        "pgh_obj_id", tombstones.key_source, "pgh_created_at"
    )
    return [Deletion(id=pk, key=str(key), deleted_at=at) for pk, key, at in rows]


# ------------------------------------------------------------------ city lists


def city_list_entry_list(*, user) -> QuerySet[CityListEntry]:
    return (
        CityListEntry.objects.for_user(user)
        .select_related("city_list", "enterprise")
        .order_by("city_list__code", "enterprise_id", "pk")
    )


def city_list_import_list(*, user) -> QuerySet[CityListImport]:
    return CityListImport.objects.for_user(user).select_related(
        "city_list", "district", "imported_by"
    )


def export_file_list(*, user) -> QuerySet[ExportFile]:
    return ExportFile.objects.for_user(user).select_related("district")


def bureau_district_list(*, user) -> QuerySet[District]:
    """The districts a bureau user exports and imports for: their own; for a
    superuser, every district with a bureau on the platform."""
    scope = user_scope(user=user)
    districts = District.objects.order_by("code")
    if scope.is_superuser:
        return districts.filter(agencies__kind=Agency.Kind.BUREAU).distinct()
    return districts.filter(pk__in=scope.district_ids)


def export_job_list(*, user) -> QuerySet[ExportJob]:
    return ExportJob.objects.for_user(user).select_related(
        "district", "requested_by", "export_file"
    )


def client_by_key(*, key: str) -> ExchangeClient | None:
    from exchange.models import key_hash

    return (
        ExchangeClient.objects.filter(key_hash=key_hash(key), is_active=True)
        .prefetch_related("districts")
        .first()
    )
