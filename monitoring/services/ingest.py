"""Ingestion: validate readings, store each once, log every rejection.

Every path (REST JSON/CSV, the HJ 212 listener, the simulator, the demo) ends in
:func:`readings_ingest`. A reading is identified by (sensor, time), so storing
the same reading twice keeps the first; a batch with an ``Idempotency-Key``
returns the first answer when it is retried. Valid rows are stored and bad ones
rejected with a reason in one transaction: nothing is half-written.

On PostgreSQL rows go in with ``COPY``: straight into the partitioned table, and
only if that meets a reading already stored, through a temporary table and
``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from monitoring.models import (
    FLAGS_VALID,
    IngestBatch,
    IngestRejection,
    Sensor,
    Station,
)
from monitoring.parameters import PARAMETERS, unit_factor

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
Reason = IngestRejection.Reason
DATA_FLAGS = frozenset("NFMSDCTB")
MAX_ITEMS = 200_000
MAX_LOGGED_REJECTIONS = 1000  # per batch; the response counts them all


def _future_tolerance() -> timedelta:
    return timedelta(seconds=getattr(settings, "MONITORING_FUTURE_TOLERANCE_S", 300))


@dataclass(frozen=True)
class SensorInfo:
    id: int
    station_id: int
    unit: str
    interval_s: int
    valid_min: float
    valid_max: float
    is_active: bool


@dataclass
class SensorDirectory:
    """Sensors by (station MN or code, parameter or HJ 212 code)."""

    by_key: dict[tuple[str, str], SensorInfo] = field(default_factory=dict)
    stations: dict[str, int] = field(default_factory=dict)  # MN/code -> station id
    passwords: dict[str, str] = field(default_factory=dict)  # MN -> PW

    @classmethod
    def load(cls, *, identifiers: Iterable[str] | None = None, stations=None):
        """Sensors of the named stations (by MN or code) among ``stations`` (a
        queryset, e.g. the user's scope); all stations when no names are given."""
        queryset = stations if stations is not None else Station.objects.all()
        queryset = queryset.exclude(status=Station.Status.RETIRED)
        if identifiers is not None:
            names = list(set(identifiers))
            queryset = queryset.filter(Q(mn__in=names) | Q(code__in=names))
        directory = cls()
        station_rows = list(queryset.values_list("id", "mn", "code", "hj212_password"))
        for station_id, mn, code, password in station_rows:
            directory.stations[code] = station_id
            if mn:
                directory.stations[mn] = station_id
                directory.passwords[mn] = password
        names_by_station: dict[int, list[str]] = {}
        for station_id, mn, code, _password in station_rows:
            names_by_station[station_id] = [code] + ([mn] if mn else [])
        sensors = Sensor.objects.filter(
            station_id__in=[row[0] for row in station_rows]
        ).values_list(
            "id",
            "station_id",
            "parameter",
            "hj212_code",
            "unit",
            "interval_s",
            "valid_min",
            "valid_max",
            "is_active",
        )
        for (
            sensor_id,
            station_id,
            parameter,
            hj212_code,
            unit,
            interval_s,
            low,
            high,
            active,
        ) in sensors:
            info = SensorInfo(
                sensor_id, station_id, unit, interval_s, low, high, active
            )
            for name in names_by_station[station_id]:
                directory.by_key[(name, parameter)] = info
                if hj212_code:
                    directory.by_key[(name, hj212_code)] = info
        return directory


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    batch_id: int | None = None
    replayed: bool = False
    # sensor id -> (first, last) time stored, for rollups and rules
    touched: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)

    def as_response(self) -> dict:
        return {
            "batch": self.batch_id,
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "rejected": self.rejected,
            "rejections": self.rejections[:MAX_LOGGED_REJECTIONS],
        }


@dataclass
class _Rejection:
    line: int | None
    mn: str
    station_id: int | None
    reason: str
    message: str
    raw: str = ""


def parse_time(value) -> datetime:
    """An aware UTC datetime from ISO 8601 or HJ 212's YYYYMMDDhhmmss; a time
    without a zone is China standard time."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if len(text) == 14 and text.isdigit():
            text = f"{text[:8]}T{text[8:]}"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


class _Validator:
    """Turns raw items into rows (sensor_id, time, value, flag, quality).

    This is the hot loop of every ingestion path, so it caches what repeats in
    a batch (the sensor of a station and parameter, parsed time strings) and
    builds a message only for a rejection."""

    def __init__(self, directory: SensorDirectory, now: datetime):
        self.directory = directory
        self.latest_allowed = now + _future_tolerance()
        self.rows: dict[tuple[int, datetime], tuple] = {}
        self.rejections: list[_Rejection] = []
        self.duplicates = 0
        self.ignored = 0
        self._times: dict = {}

    def reject(self, line, name, station_id, reason, message, raw=""):
        self.rejections.append(
            _Rejection(line, str(name or "")[:40], station_id, reason, message, raw)
        )

    def _time(self, value) -> datetime:
        try:
            return self._times[value]
        except KeyError:
            moment = parse_time(value)
        except TypeError:  # unhashable: not a time anyway
            raise ValueError(value) from None
        if len(self._times) < 100_000:
            self._times[value] = moment
        return moment

    def add_item(self, item: dict, line: int) -> None:
        """Validate one item (see :func:`readings_ingest`)."""
        error = item.get("error")
        if error:
            station = str(item.get("station") or "")
            self.reject(
                item.get("line", line),
                station,
                self.directory.stations.get(station),
                item.get("reason", Reason.MALFORMED),
                error,
                item.get("raw", ""),
            )
            return
        station = item.get("station")
        parameter = item.get("parameter")
        sensor = self.directory.by_key.get((station, parameter))
        if sensor is None or not sensor.is_active:
            self._no_sensor(item, line, str(station or ""), str(parameter or ""))
            return
        if item.get("period_s", 0) > sensor.interval_s:
            # an hourly/daily aggregate from a monitor whose finer data is stored:
            # the platform computes its own rollups
            self.ignored += 1
            return
        observed_at = item.get("time")
        try:
            moment = self._time(observed_at)
        except (TypeError, ValueError):
            self._fail(
                item,
                line,
                sensor,
                Reason.BAD_TIME,
                _("invalid time %(value)s") % {"value": observed_at},
            )
            return
        if moment > self.latest_allowed:
            self._fail(
                item,
                line,
                sensor,
                Reason.FUTURE,
                _("time %(value)s is in the future") % {"value": moment.isoformat()},
            )
            return
        value = item.get("value")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if number != number or number in (math.inf, -math.inf):
            self._fail(
                item,
                line,
                sensor,
                Reason.BAD_VALUE,
                _("value %(value)s is not a number") % {"value": value},
            )
            return
        unit = item.get("unit")
        if unit is not None and unit != sensor.unit:
            factor = unit_factor(unit, sensor.unit)
            if factor is None:
                self._fail(
                    item,
                    line,
                    sensor,
                    Reason.WRONG_UNIT,
                    _("unit %(unit)s does not match the sensor's %(expected)s")
                    % {"unit": unit, "expected": sensor.unit},
                )
                return
            number *= factor
        if not sensor.valid_min <= number <= sensor.valid_max:
            if number < 0 <= sensor.valid_min:
                self._fail(
                    item,
                    line,
                    sensor,
                    Reason.NEGATIVE,
                    _("negative value %(value)s for %(parameter)s")
                    % {"value": number, "parameter": parameter},
                )
            else:
                self._fail(
                    item,
                    line,
                    sensor,
                    Reason.OUT_OF_RANGE,
                    _(
                        "%(value)s is outside %(low)s–%(high)s %(unit)s for "
                        "%(parameter)s: wrong unit?"
                    )
                    % {
                        "value": number,
                        "low": sensor.valid_min,
                        "high": sensor.valid_max,
                        "unit": sensor.unit,
                        "parameter": parameter,
                    },
                )
            return
        flag = item.get("flag") or "N"
        if flag not in DATA_FLAGS:
            flag = str(flag).strip() or "N"
            if flag not in DATA_FLAGS:
                self._fail(
                    item,
                    line,
                    sensor,
                    Reason.BAD_FLAG,
                    _("unknown data flag %(flag)s") % {"flag": flag},
                )
                return
        key = (sensor.id, moment)
        if key in self.rows:
            self.duplicates += 1
            return
        self.rows[key] = (
            sensor.id,
            moment,
            number,
            flag,
            "raw" if flag in FLAGS_VALID else "invalid",
        )

    def _fail(self, item, line, sensor, reason, message) -> None:
        self.reject(
            item.get("line", line),
            item.get("station"),
            sensor.station_id,
            reason,
            message,
            item.get("raw", ""),
        )

    def _no_sensor(self, item, line, station, parameter) -> None:
        station_id = self.directory.stations.get(station)
        if station_id is None:
            self.reject(
                item.get("line", line),
                station,
                None,
                Reason.UNKNOWN_STATION,
                _("unknown station or MN %(mn)s") % {"mn": station},
                item.get("raw", ""),
            )
        else:
            self.reject(
                item.get("line", line),
                station,
                station_id,
                Reason.UNKNOWN_SENSOR,
                _("no active sensor for %(parameter)s at %(mn)s")
                % {"parameter": parameter, "mn": station},
                item.get("raw", ""),
            )


def _sqlite_insert(rows: list[tuple]) -> int:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO monitoring_reading (sensor_id, observed_at, value, flag, "
            "quality) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(s, adapt(t), v, f, q) for s, t, v, f, q in rows],
        )
        return max(cursor.rowcount, 0)


COPY_COLUMNS = "(sensor_id, observed_at, value, flag, quality)"


def _copy_rows(cursor, table: str, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} {COPY_COLUMNS} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _postgres_insert(rows: list[tuple]) -> int:
    from psycopg import errors

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg 3 cursor, for COPY
        try:
            with transaction.atomic():  # a savepoint: fresh data goes straight in
                _copy_rows(cursor, "monitoring_reading", rows)
            return len(rows)
        except (errors.UniqueViolation, IntegrityError):
            pass  # some were stored before: keep those, add the rest
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS monitoring_reading_incoming "
            "(LIKE monitoring_reading INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE monitoring_reading_incoming")
        _copy_rows(cursor, "monitoring_reading_incoming", rows)
        cursor.execute(
            f"INSERT INTO monitoring_reading {COPY_COLUMNS} "
            f"SELECT sensor_id, observed_at, value, flag, quality "
            "FROM monitoring_reading_incoming ON CONFLICT DO NOTHING"
        )
        return cursor.rowcount


def readings_store(rows: list[tuple]) -> int:
    """Insert validated rows (sensor_id, time, value, flag, quality); readings
    already stored are kept as they are. Returns how many were new."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _postgres_insert(rows)
    return _sqlite_insert(rows)


def _touched(rows: Iterable[tuple]) -> dict[int, tuple[datetime, datetime]]:
    spans: dict[int, tuple[datetime, datetime]] = {}
    for sensor_id, moment, *_rest in rows:
        span = spans.get(sensor_id)
        if span is None:
            spans[sensor_id] = (moment, moment)
        elif moment < span[0]:
            spans[sensor_id] = (moment, span[1])
        elif moment > span[1]:
            spans[sensor_id] = (span[0], moment)
    return spans


@transaction.atomic
def readings_ingest(
    *,
    items: Iterable[dict] | Callable[[], Iterable[dict]],
    source: str,
    user=None,
    stations=None,
    directory: SensorDirectory | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
    now: datetime | None = None,
    follow_up: bool = True,
) -> IngestReport:
    """Validate and store readings; return what happened to each.

    ``items`` (or a function returning them, called only when the request is
    not a replay) are dicts with ``station`` (MN or station code), ``parameter``
    (parameter or HJ 212 code), ``time``, ``value`` and optionally ``flag``,
    ``unit``, ``line``, ``period_s``, ``raw``. ``stations`` limits which stations
    may be written (the user's scope). With ``follow_up`` the rollups and rules
    of the touched sensors run after commit.
    """
    now = now or timezone.now()
    if idempotency_key:
        if connection.vendor == "postgresql":
            # a concurrent retry waits for the first attempt instead of racing it
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))",
                    [f"monitoring.ingest:{getattr(user, 'pk', '')}:{idempotency_key}"],
                )
        previous = (
            IngestBatch.objects.select_for_update()
            .filter(user=user, idempotency_key=idempotency_key)
            .first()
        )
        if previous is not None:
            if previous.request_hash != request_hash:
                raise Conflict(
                    _("This Idempotency-Key was used for a different request."),
                    code="idempotency_key_reused",
                )
            report = IngestReport(**_report_fields(previous.response))
            report.replayed = True
            return report
    # parsed only now, so a replayed request is answered without reading it
    items = list(items() if callable(items) else items)
    if len(items) > MAX_ITEMS:
        raise InvalidInput(
            fields={
                "items": [_("At most %(n)d readings per batch.") % {"n": MAX_ITEMS}]
            }
        )
    if directory is None:
        directory = SensorDirectory.load(
            identifiers=[str(item.get("station") or "") for item in items],
            stations=stations,
        )
    validator = _Validator(directory, now)
    add = validator.add_item
    for number, item in enumerate(items, start=1):
        add(item, number)
    rows = list(validator.rows.values())
    stored = readings_store(rows)
    report = IngestReport(
        received=len(items),
        stored=stored,
        duplicates=validator.duplicates + len(rows) - stored,
        ignored=validator.ignored,
        rejected=len(validator.rejections),
        rejections=[
            {
                "line": r.line,
                "station": r.mn,
                "reason": str(r.reason),
                "message": r.message,
            }
            for r in validator.rejections[:MAX_LOGGED_REJECTIONS]
        ],
    )
    report.touched = _touched(rows)
    # The listener flushes many times a second: its batches are recorded only
    # when something was rejected (uploads always are).
    batch = None
    if source != IngestBatch.Source.HJ212 or idempotency_key or validator.rejections:
        batch = IngestBatch.objects.create(
            source=source,
            user=user if user is not None and user.is_authenticated else None,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            received=report.received,
            stored=report.stored,
            duplicates=report.duplicates,
            rejected=report.rejected,
        )
        report.batch_id = batch.pk
    if validator.rejections:
        IngestRejection.objects.bulk_create(
            IngestRejection(
                batch=batch,
                station_id=r.station_id,
                mn=r.mn,
                line=r.line,
                reason=r.reason,
                message=r.message[:300],
                raw=r.raw[:1000],
            )
            for r in validator.rejections[:MAX_LOGGED_REJECTIONS]
        )
    if batch is not None and idempotency_key:
        batch.response = report.as_response()
        batch.save(update_fields=["response"])
    _mark_seen(report.touched, directory)
    if follow_up and report.touched:
        _queue_follow_up(report.touched)
    return report


def _report_fields(response: dict) -> dict:
    return {
        "received": response.get("received", 0),
        "stored": response.get("stored", 0),
        "duplicates": response.get("duplicates", 0),
        "ignored": response.get("ignored", 0),
        "rejected": response.get("rejected", 0),
        "rejections": response.get("rejections", []),
        "batch_id": response.get("batch"),
    }


def _mark_seen(
    touched: dict[int, tuple[datetime, datetime]], directory: SensorDirectory
) -> None:
    station_of = {info.id: info.station_id for info in directory.by_key.values()}
    latest: dict[int, datetime] = {}
    for sensor_id, (_first, last) in touched.items():
        station_id = station_of[sensor_id]
        if station_id not in latest or last > latest[station_id]:
            latest[station_id] = last
    if not latest:
        return
    stations = list(Station.objects.filter(pk__in=latest).only("id", "last_seen_at"))
    changed = []
    for station in stations:
        if station.last_seen_at is None or station.last_seen_at < latest[station.pk]:
            station.last_seen_at = latest[station.pk]
            changed.append(station)
    Station.objects.bulk_update(changed, ["last_seen_at"], batch_size=500)


def _queue_follow_up(touched: dict[int, tuple[datetime, datetime]]) -> None:
    from monitoring import tasks

    payload = {
        str(sensor_id): [first.isoformat(), last.isoformat()]
        for sensor_id, (first, last) in touched.items()
    }
    transaction.on_commit(lambda: tasks.readings_arrived.delay(payload))


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------

CSV_COLUMNS = ("station", "parameter", "time", "value", "flag", "unit")
CSV_ALIASES = {"mn": "station", "station_code": "station", "observed_at": "time"}


def items_from_json(body: bytes) -> list[dict]:
    """Items from a JSON array or JSON lines; a line that is not an object is
    kept as a malformed item (rejected with its line number)."""
    text = body.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise InvalidInput(fields={"items": [_("The request body is empty.")]})
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                fields={"items": [_("Not valid JSON: %(error)s") % {"error": error}]}
            ) from None
        return [_item(obj, number, None) for number, obj in enumerate(data, start=1)]
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            obj = None
        items.append(_item(obj, number, line))
    return items


def _item(obj, number: int, raw: str | None) -> dict:
    if not isinstance(obj, dict):
        return {
            "line": number,
            "error": _("line %(n)d is not a JSON object") % {"n": number},
            "raw": (raw or json.dumps(obj, ensure_ascii=False))[:1000],
        }
    item = {CSV_ALIASES.get(key, key): value for key, value in obj.items()}
    item["line"] = number
    return item


def items_from_csv(body: bytes) -> list[dict]:
    """Items from CSV with a header row (station or mn, parameter, time, value,
    optional flag and unit); a line with the wrong number of cells is kept as a
    malformed item."""
    text = body.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [
            CSV_ALIASES.get(cell.strip().lower(), cell.strip().lower())
            for cell in next(reader)
        ]
    except StopIteration:
        raise InvalidInput(fields={"file": [_("The file is empty.")]}) from None
    missing = [c for c in ("station", "parameter", "time", "value") if c not in header]
    if missing:
        raise InvalidInput(
            fields={
                "file": [
                    _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)}
                ]
            }
        )
    items = []
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            items.append(
                {
                    "line": number,
                    "error": _("line %(n)d has %(got)d cells, expected %(want)d")
                    % {"n": number, "got": len(values), "want": len(header)},
                    "raw": ",".join(values)[:1000],
                }
            )
            continue
        item = {key: value.strip() for key, value in zip(header, values, strict=True)}
        item["line"] = number
        if not item.get("unit"):
            item.pop("unit", None)
        items.append(item)
    return items


def parameter_unit(parameter: str) -> str:
    spec = PARAMETERS.get(parameter)
    return spec.unit if spec else ""


# ---------------------------------------------------------------------------
# HJ 212 packets
# ---------------------------------------------------------------------------

PERIOD_BY_CN = {"2011": 0, "2051": 60, "2061": 3600, "2031": 86400}


def packets_ingest(
    *,
    packets: list,
    bad: Iterable[tuple[str, str]] = (),
    directory: SensorDirectory | None = None,
    now: datetime | None = None,
    follow_up: bool = True,
) -> IngestReport:
    """Store the readings of parsed HJ 212 data packets (2011 real-time values
    ``Rtd``, 2051/2061/2031 averages ``Avg``); ``bad`` are (raw text, reason)
    of packets that failed to parse, logged as rejections."""
    directory = directory or SensorDirectory.load(
        identifiers=[packet.mn for packet in packets]
    )
    items: list[dict] = []
    for raw, reason in bad:
        mn = raw.partition("MN=")[2].partition(";")[0] if "MN=" in raw else ""
        items.append(
            {
                "station": mn,
                "error": _("bad packet: %(reason)s") % {"reason": reason},
                "reason": Reason.PACKET,
                "raw": raw[:1000],
            }
        )
    for packet in packets:
        expected = directory.passwords.get(packet.mn)
        raw = f"QN={packet.qn};CN={packet.cn};MN={packet.mn}"
        if packet.mn not in directory.stations:
            items.append(
                {
                    "station": packet.mn,
                    "error": _("unknown station or MN %(mn)s") % {"mn": packet.mn},
                    "reason": Reason.UNKNOWN_STATION,
                    "raw": raw,
                }
            )
            continue
        if expected and packet.pw != expected:
            items.append(
                {
                    "station": packet.mn,
                    "error": _("wrong access password for %(mn)s") % {"mn": packet.mn},
                    "reason": Reason.PASSWORD,
                    "raw": raw,
                }
            )
            continue
        suffix = "Rtd" if packet.cn == "2011" else "Avg"
        period = PERIOD_BY_CN.get(packet.cn, 0)
        if packet.data_time is None:
            items.append(
                {
                    "station": packet.mn,
                    "error": _("packet without DataTime"),
                    "reason": Reason.BAD_TIME,
                    "raw": raw,
                }
            )
            continue
        for code, suffixes in packet.values.items():
            if suffix not in suffixes:
                continue
            items.append(
                {
                    "station": packet.mn,
                    "parameter": code,
                    "time": packet.data_time,
                    "value": suffixes[suffix],
                    "flag": suffixes.get("Flag", "N"),
                    "period_s": period,
                    "raw": raw,
                }
            )
    return readings_ingest(
        items=items,
        source=IngestBatch.Source.HJ212,
        directory=directory,
        now=now,
        follow_up=follow_up,
    )
