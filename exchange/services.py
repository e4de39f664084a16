"""Writes of the exchange: exchange clients and their keys, city-list imports
that tag enterprises, and the scheduled export files with their retention."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from core.locks import advisory_lock
from enforcement.models import Enterprise
from enforcement.validators import normalize_uscc, validate_uscc
from exchange import formats
from exchange.datasets import DATASETS
from exchange.models import (
    CityList,
    CityListChange,
    CityListEntry,
    CityListImport,
    ExchangeClient,
    ExportFile,
    ExportJob,
    key_hash,
)
from exchange.selectors import (
    ClientPrincipal,
    Window,
    dataset_deletions,
    dataset_rows,
    export_window,
    window_check,
)
from grid.models import Agency, District
from grid.selectors import user_scope

logger = logging.getLogger(__name__)

MAX_LIST_ROWS = 1_000_000
MAX_LIST_ERRORS = 100  # problems reported per file; the file is refused either way
UNKNOWN_KEPT = 10_000
USCC_HEADERS = {"uscc", "统一社会信用代码", "信用代码", "unified social credit code"}
NOTE_HEADERS = {"note", "备注"}


# ------------------------------------------------------------------- clients


def exchange_client_create(
    *, name: str, districts: list[District], scope: str = ExchangeClient.Scope.CITY
) -> tuple[ExchangeClient, str]:
    """A new client and its key; the key is shown once and only its hash kept."""
    if not districts:
        raise InvalidInput(fields={"districts": [_("Grant at least one district.")]})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = ExchangeClient.objects.create(
            name=name, scope=scope, key_prefix=key[:8], key_hash=key_hash(key)
        )
        client.districts.set(districts)
    return client, key


def exchange_client_rotate(*, client: ExchangeClient) -> str:
    """A new key for the client; the old one stops working at once."""
    key = secrets.token_urlsafe(32)
    client.key_prefix = key[:8]
    client.key_hash = key_hash(key)
    client.save(update_fields=["key_prefix", "key_hash", "updated_at"])
    return key


def exchange_client_touch(*, client: ExchangeClient, now: datetime | None = None):
    """Record use at most once a minute (a conditional UPDATE, no read)."""
    now = now or timezone.now()
    ExchangeClient.objects.filter(pk=client.pk).exclude(
        last_used_at__gt=now - timedelta(minutes=1)
    ).update(last_used_at=now)


def client_principal(*, client: ExchangeClient) -> ClientPrincipal:
    return ClientPrincipal(
        client=client,
        district_ids=frozenset(d.pk for d in client.districts.all()),
    )


# ---------------------------------------------------------------- city lists


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        fields={"file": [_("The file is neither UTF-8 nor GB18030 text.")]}
    )


def _table(content: bytes, file_name: str) -> list[list]:
    if file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is bad input
            raise InvalidInput(
                fields={"file": [_("The file is not a readable .xlsx workbook.")]}
            ) from None
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(_decode(content))))


def city_list_read(*, content: bytes, file_name: str) -> list[tuple[int, str, str]]:
    """(line, code, note) per data row of a CSV or XLSX file whose header names
    the code column (``uscc`` or 统一社会信用代码); a file with no header but one
    column of codes is read as codes."""
    table = [row for row in _table(content, file_name) if any(row)]
    if not table:
        raise InvalidInput(fields={"file": [_("The file is empty.")]})
    header = [str(cell or "").strip().lower() for cell in table[0]]
    code_at = next((i for i, h in enumerate(header) if h in USCC_HEADERS), None)
    note_at = next((i for i, h in enumerate(header) if h in NOTE_HEADERS), None)
    start = 1
    if code_at is None:
        if len(header) == 1 and len(normalize_uscc(header[0])) == 18:
            code_at, start = 0, 0
        else:
            raise InvalidInput(
                fields={
                    "file": [
                        _(
                            "No column for the unified social credit code "
                            "(uscc or 统一社会信用代码) in the header row."
                        )
                    ]
                }
            )
    if len(table) - start > MAX_LIST_ROWS:
        raise InvalidInput(
            fields={
                "file": [
                    _("At most %(n)d rows per file.") % {"n": MAX_LIST_ROWS},
                ]
            }
        )
    rows = []
    for line, row in enumerate(table[start:], start=start + 1):
        code = str(row[code_at] or "") if code_at < len(row) else ""
        note = ""
        if note_at is not None and note_at < len(row):
            note = str(row[note_at] or "")[:200]
        rows.append((line, code, note))
    return rows


@dataclass
class ImportReport:
    city_list: CityList
    district: District
    dry_run: bool
    rows: int
    tagged: int
    added: int
    removed: int
    unknown: list[str] = field(default_factory=list)
    record: CityListImport | None = None


def city_list_import(
    *,
    city_list: CityList,
    district: District,
    user,
    rows: list[tuple[int, str, str]],
    file_name: str = "",
    file_sha256: str = "",
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Make the district's enterprises on ``city_list`` exactly those the file
    names: tag the new ones, untag those no longer listed. Codes that are not
    valid USCCs refuse the whole file (nothing applied); valid codes of no
    enterprise of the district (usually other districts' enterprises on a
    city-wide list) are reported and skipped. Enterprises of other districts
    keep their tags: each district applies the list to its own."""
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}
    codes: dict[str, str] = {}
    for line, raw, _note in rows:
        code = normalize_uscc(raw)
        try:
            validate_uscc(code)
        except Exception as error:  # noqa: BLE001 - django ValidationError
            messages = getattr(error, "messages", [str(error)])
            if len(problems) < MAX_LIST_ERRORS:
                problems[str(line)] = [f"{raw}: {m}" for m in messages]
            else:
                problems.setdefault("more", [_("More rows have problems.")])
            continue
        codes.setdefault(code, raw)
    if problems:
        raise InvalidInput(
            _("%(n)d rows have an invalid code; nothing was applied.")
            % {"n": sum(1 for key in problems if key != "more")},
            fields={"rows": problems},
        )
    with transaction.atomic():
        # One import of a list at a time; a second waits and then sees the first.
        CityList.objects.select_for_update().get(pk=city_list.pk)
        known = dict(
            Enterprise.objects.filter(
                street__district=district, uscc__in=list(codes)
            ).values_list("uscc", "pk")
        )
        unknown = sorted(set(codes) - set(known))
        current = set(
            CityListEntry.objects.filter(
                city_list=city_list, enterprise__street__district=district
            ).values_list("enterprise_id", flat=True)
        )
        wanted = set(known.values())
        to_add, to_remove = wanted - current, current - wanted
        report = ImportReport(
            city_list=city_list,
            district=district,
            dry_run=dry_run,
            rows=len(rows),
            tagged=len(wanted),
            added=len(to_add),
            removed=len(to_remove),
            unknown=unknown,
        )
        if dry_run:
            return report
        record = CityListImport.objects.create(
            city_list=city_list,
            district=district,
            imported_by=user,
            file_name=file_name[:200],
            file_sha256=file_sha256,
            rows=len(rows),
            tagged=len(wanted),
            added=len(to_add),
            removed=len(to_remove),
            unknown_count=len(unknown),
            unknown_usccs=unknown[:UNKNOWN_KEPT],
        )
        CityListEntry.objects.filter(
            city_list=city_list, enterprise_id__in=to_remove
        ).delete()
        CityListEntry.objects.bulk_create(
            [
                CityListEntry(
                    city_list=city_list,
                    enterprise_id=pk,
                    listed_by=record,
                    listed_at=now,
                )
                for pk in sorted(to_add)
            ],
            batch_size=2000,
        )
        CityListChange.objects.bulk_create(
            [
                CityListChange(
                    city_list_import=record,
                    enterprise_id=pk,
                    action=action,
                    changed_at=now,
                )
                for action, ids in (
                    (CityListChange.Action.ADDED, to_add),
                    (CityListChange.Action.REMOVED, to_remove),
                )
                for pk in sorted(ids)
            ],
            batch_size=2000,
        )
        report.record = record
    return report


def city_list_import_file(
    *,
    city_list: CityList,
    district: District,
    user,
    content: bytes,
    file_name: str,
    dry_run: bool = False,
) -> ImportReport:
    rows = city_list_read(content=content, file_name=file_name)
    return city_list_import(
        city_list=city_list,
        district=district,
        user=user,
        rows=rows,
        file_name=file_name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        dry_run=dry_run,
    )


# ---------------------------------------------------------- scheduled exports


def _export_dir() -> Path:
    return Path(settings.EXCHANGE_EXPORT_DIR)


def export_districts() -> list[District]:
    """The districts whose bureau runs on this platform (not partner bureaus)."""
    return list(
        District.objects.filter(agencies__kind=Agency.Kind.BUREAU)
        .distinct()
        .order_by("code")
    )


def export_file_write(
    *,
    district: District,
    dataset_name: str,
    file_format: str,
    window: Window,
    stamp: str,
) -> ExportFile:
    """Write one dataset of one district in one format under the export
    directory: to a temporary name first, renamed when complete, so a reader
    never sees half a file."""
    dataset = DATASETS[dataset_name]
    reader = ClientPrincipal(client=None, district_ids=frozenset([district.pk]))
    kind = "changes" if window.incremental else "full"
    folder = _export_dir() / district.code
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{dataset.name}-{stamp}-{kind}.{formats.EXTENSIONS[file_format]}"
    target = folder / name
    partial = folder / f".{name}.partial"
    digest = hashlib.sha256()
    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    rows = counted(dataset_rows(dataset=dataset, reader=reader, window=window))
    deletions = dataset_deletions(dataset=dataset, reader=reader, window=window)
    size = 0
    with partial.open("wb") as handle:
        for text in formats.encode(file_format, dataset, rows, deletions, window):
            data = text.encode()
            digest.update(data)
            size += len(data)
            handle.write(data)
    partial.replace(target)
    return ExportFile.objects.create(
        district=district,
        dataset=dataset.name,
        file_format=file_format,
        path=str(target.relative_to(_export_dir())),
        rows=count,
        size_bytes=size,
        sha256=digest.hexdigest(),
        updated_since=window.since,
        updated_until=window.until,
    )


def exports_write(
    *, full: bool = False, now: datetime | None = None
) -> list[ExportFile]:
    """The scheduled export: every dataset of every home district in every
    configured format, the changes since that dataset's last file (a full file
    the first time, or with ``full``). Runs under an advisory lock: a second
    copy returns at once."""
    now = now or timezone.now()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    written: list[ExportFile] = []
    with advisory_lock("exchange.exports_write") as acquired:
        if not acquired:
            return written
        # a started export whose worker died and whose task never came back
        # would show "running" for ever
        ExportJob.objects.filter(
            status=ExportJob.Status.RUNNING, started_at__lt=_lost_before(now)
        ).update(
            status=ExportJob.Status.FAILED,
            error=_("The export stopped with its worker; start it again."),
            finished_at=now,
        )
        for district in export_districts():
            for dataset in DATASETS.values():
                last = (
                    ExportFile.objects.filter(
                        district=district, dataset=dataset.name, job__isnull=True
                    )
                    .order_by("-updated_until")
                    .values_list("updated_until", flat=True)
                    .first()
                )
                since = None if full else last
                window = export_window(
                    dataset=dataset, since=since, until=None, now=now
                )
                for file_format in settings.EXCHANGE_EXPORT_FORMATS:
                    if file_format not in dataset.formats:
                        continue
                    written.append(
                        export_file_write(
                            district=district,
                            dataset_name=dataset.name,
                            file_format=file_format,
                            window=window,
                            stamp=stamp,
                        )
                    )
        exports_prune(now=now)
    return written


def exports_prune(*, now: datetime | None = None) -> int:
    """Delete export files older than the retention period, except each
    dataset's latest (it holds the watermark the next run starts from)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXCHANGE_EXPORT_RETENTION_DAYS)
    latest = {}
    for pk, district_id, dataset, _format in (
        ExportFile.objects.filter(
            job__isnull=True  # a started job's file holds no watermark
        )
        .order_by("district_id", "dataset", "file_format", "-updated_until", "-id")
        .values_list("pk", "district_id", "dataset", "file_format")
    ):
        latest.setdefault((district_id, dataset, _format), pk)
    old = ExportFile.objects.filter(created_at__lt=cutoff).exclude(
        pk__in=latest.values()
    )
    removed = 0
    for export in old:
        path = _export_dir() / export.path
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not delete export file %s", path)
            continue
        export.delete()
        removed += 1
    return removed


# -------------------------------------------------------- exports started by staff


def export_job_start(
    *,
    user,
    district: District,
    dataset_name: str,
    file_format: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ExportJob:
    """Queue an export of one dataset of the user's district, written in the
    background (``export_job_run``). A reversed window names
    ``updated_until``; a format the dataset has not names ``file_format``."""
    scope = user_scope(user=user)
    if not scope.is_bureau:
        raise PermissionDenied(_("Only bureau staff start exports."))
    if not (scope.is_superuser or district.pk in scope.district_ids):
        raise PermissionDenied(_("Not your district."))
    dataset = DATASETS.get(dataset_name)
    if dataset is None:
        raise InvalidInput(fields={"dataset": [_("Unknown dataset.")]})
    if file_format not in dataset.formats:
        raise InvalidInput(
            fields={
                "file_format": [
                    _("%(dataset)s can be exported as %(formats)s only.")
                    % {"dataset": dataset.label, "formats": ", ".join(dataset.formats)}
                ]
            }
        )
    window_check(since=since, until=until)
    job = ExportJob.objects.create(
        district=district,
        dataset=dataset.name,
        file_format=file_format,
        updated_since=since,
        updated_until=until,
        requested_by=user,
    )
    from exchange.tasks import export_job_run_task

    transaction.on_commit(lambda: export_job_run_task.delay(job_id=job.pk))
    return job


def _lost_before(now: datetime) -> datetime:
    """A job still "running" that started before this lost its worker: no task
    runs longer than the task time limit."""
    return now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def export_job_run(*, job_id: int, now: datetime | None = None) -> ExportJob | None:
    """Write a queued job's file. Claimed with a conditional UPDATE, so a job
    queued twice runs once; a job whose worker died (running past the task
    time limit) is claimed again by its redelivered task. A failure is kept on
    the job, not retried."""
    now = now or timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportJob.Status.QUEUED)
            | Q(status=ExportJob.Status.RUNNING, started_at__lt=_lost_before(now))
        )
        .update(status=ExportJob.Status.RUNNING, started_at=now)
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("district").get(pk=job_id)
    try:
        dataset = DATASETS[job.dataset]
        window = export_window(
            dataset=dataset, since=job.updated_since, until=job.updated_until, now=now
        )
        job.export_file = export_file_write(
            district=job.district,
            dataset_name=dataset.name,
            file_format=job.file_format,
            window=window,
            stamp=f"{now:%Y%m%dT%H%M%SZ}-job{job.pk}",
        )
        job.status = ExportJob.Status.DONE
    except Exception as error:  # noqa: BLE001 - kept on the job for the page
        logger.exception("export job %s failed", job.pk)
        job.status, job.error = ExportJob.Status.FAILED, str(error)[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["export_file", "status", "error", "finished_at"])
    return job


def export_file_path(*, export: ExportFile) -> Path | None:
    """The file on disk, if it is still kept (and inside the export directory)."""
    root = _export_dir().resolve()
    path = (root / export.path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path
