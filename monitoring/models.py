"""Stations, sensors and readings; rollups and indices; rules and alarms;
mobile surveys; the ingestion log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ScopedQuerySet, TimeStampedModel
from enforcement.models import Enterprise
from grid.models import BureauRecordQuerySet, District, GridCell, Street
from monitoring.indices import NOISE_ZONES
from monitoring.parameters import PARAMETER_CHOICES, PARAMETERS


def _scope_condition(user, prefix: str = "") -> Q:
    """Who sees which stations: bureau staff their districts, street officers
    their streets, enterprise users their own enterprise's monitors."""
    from grid.selectors import user_scope

    scope = user_scope(user=user)
    if scope.is_superuser:
        return Q()
    condition = Q(pk__in=[])
    if scope.district_ids:
        condition |= Q(**{f"{prefix}district_id__in": scope.district_ids})
    if scope.street_ids:
        condition |= Q(**{f"{prefix}street_id__in": scope.street_ids})
    if user is not None and user.is_authenticated:
        condition |= Q(
            **{
                f"{prefix}enterprise_id__in": Enterprise.objects.filter(
                    accounts__user_id=user.pk
                ).values("pk")
            }
        )
    return condition


class StationQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user))


class Station(TimeStampedModel):
    """Monitoring station (监测站点): an ambient air, surface-water, noise or
    indoor-air station, or an online monitor at an enterprise (wastewater outlet
    排口, catering fume 油烟, construction-site dust 扬尘). Monitors identify
    themselves over HJ 212 by their MN (设备唯一标识)."""

    class Kind(models.TextChoices):
        AMBIENT_AIR = "ambient_air", _("Ambient air")
        SURFACE_WATER = "surface_water", _("Surface water")
        NOISE = "noise", _("Noise")
        INDOOR_AIR = "indoor_air", _("Indoor air")
        OUTLET = "outlet", _("Enterprise wastewater outlet")
        FUME = "fume", _("Enterprise catering-fume monitor")
        DUST = "dust", _("Construction-site dust monitor")

    ENTERPRISE_KINDS = (Kind.OUTLET, Kind.FUME, Kind.DUST)

    class WaterBody(models.TextChoices):
        RIVER = "river", _("River")
        LAKE = "lake", _("Lake or reservoir")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MAINTENANCE = "maintenance", _("Maintenance")
        OFFLINE = "offline", _("Offline")
        RETIRED = "retired", _("Retired")

    NOISE_ZONE_CHOICES = [
        ("0", _("Class 0")),
        ("1", _("Class 1")),
        ("2", _("Class 2")),
        ("3", _("Class 3")),
        ("4a", _("Class 4a")),
        ("4b", _("Class 4b")),
    ]

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    mn = models.CharField(
        _("HJ 212 MN"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The monitor's unique identifier in HJ 212 packets."),
    )
    hj212_password = models.CharField(
        _("HJ 212 access password"),
        max_length=6,
        blank=True,
        help_text=_("When set, packets with another PW are refused."),
    )
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="monitoring_stations",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="monitoring_stations",
        null=True,
        blank=True,
        verbose_name=_("street"),
    )
    grid_cell = models.ForeignKey(
        GridCell,
        on_delete=models.PROTECT,
        related_name="monitoring_stations",
        null=True,
        blank=True,
        verbose_name=_("grid cell"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="monitoring_stations",
        null=True,
        blank=True,
        verbose_name=_("enterprise"),
    )
    water_body = models.CharField(
        _("water body"), max_length=10, choices=WaterBody.choices, blank=True
    )
    water_target = models.CharField(
        _("target water class"),
        max_length=3,
        choices=[(grade, grade) for grade in ("I", "II", "III", "IV", "V")],
        blank=True,
        help_text=_("Surface water: the class the section must meet (水功能区目标)."),
    )
    noise_zone = models.CharField(
        _("GB 3096 zone class"), max_length=2, choices=NOISE_ZONE_CHOICES, blank=True
    )
    last_seen_at = models.DateTimeField(_("last data at"), null=True, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("monitoring station")
        verbose_name_plural = _("monitoring stations")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "ambient_air",
                        "surface_water",
                        "noise",
                        "indoor_air",
                        "outlet",
                        "fume",
                        "dust",
                    ]
                ),
                name="monitoring_station_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "maintenance", "offline", "retired"]),
                name="monitoring_station_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["outlet", "fume", "dust"], enterprise__isnull=False
                )
                | (
                    ~Q(kind__in=["outlet", "fume", "dust"]) & Q(enterprise__isnull=True)
                ),
                name="monitoring_station_enterprise_iff_monitor",
            ),
            models.CheckConstraint(
                condition=Q(kind="surface_water", water_body__in=["river", "lake"])
                | (~Q(kind="surface_water") & Q(water_body="")),
                name="monitoring_station_water_body_iff_water",
            ),
            models.CheckConstraint(
                condition=Q(kind="noise", noise_zone__in=list(NOISE_ZONES))
                | (~Q(kind="noise") & Q(noise_zone__in=["", *NOISE_ZONES])),
                name="monitoring_station_noise_zone_valid",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="monitoring_station_location_valid",
            ),
        ]
        indexes = [
            # boards and the map: stations of one kind in a district
            models.Index(
                fields=["district", "kind", "code"], name="monitoring_station_board"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:station-detail", args=[self.pk])

    @property
    def is_enterprise_monitor(self) -> bool:
        return self.kind in self.ENTERPRISE_KINDS


class SensorQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user, "station__"))


class Sensor(TimeStampedModel):
    """Sensor (监测因子): one parameter measured at one station, in one unit,
    at a nominal interval (the expected count of a rollup follows from it)."""

    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="sensors",
        verbose_name=_("station"),
    )
    parameter = models.CharField(
        _("parameter"), max_length=20, choices=PARAMETER_CHOICES
    )
    unit = models.CharField(_("unit"), max_length=12)
    hj212_code = models.CharField(_("HJ 212 code"), max_length=12, blank=True)
    interval_s = models.PositiveIntegerField(
        _("reporting interval (s)"),
        default=60,
        help_text=_("60 for minute data, 3600 for hourly data."),
    )
    valid_min = models.FloatField(_("plausible minimum"))
    valid_max = models.FloatField(_("plausible maximum"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = SensorQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        ordering = ["station", "parameter"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "parameter"],
                name="monitoring_sensor_one_per_parameter",
            ),
            models.UniqueConstraint(
                fields=["station", "hj212_code"],
                condition=~Q(hj212_code=""),
                name="monitoring_sensor_unique_hj212_code",
            ),
            models.CheckConstraint(
                condition=Q(parameter__in=list(PARAMETERS)),
                name="monitoring_sensor_parameter_valid",
            ),
            models.CheckConstraint(
                condition=Q(interval_s__gte=1, interval_s__lte=86400),
                name="monitoring_sensor_interval_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_min__lt=models.F("valid_max")),
                name="monitoring_sensor_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station.code} · {self.parameter}"

    @property
    def expected_per_hour(self) -> int:
        return max(1, 3600 // self.interval_s)


class QualityFlag(models.TextChoices):
    RAW = "raw", _("Raw")
    VALIDATED = "validated", _("Validated")
    INVALID = "invalid", _("Invalid")


class DataFlag(models.TextChoices):
    """HJ 212—2017 data flags."""

    NORMAL = "N", _("Normal")
    STOPPED = "F", _("Stopped")
    MAINTENANCE = "M", _("Maintenance")
    MANUAL = "S", _("Set manually")
    FAULT = "D", _("Fault")
    CALIBRATION = "C", _("Calibration")
    OVER_RANGE = "T", _("Over range")
    COMMS_FAILURE = "B", _("Communication failure")


# Readings with any other flag are not measurements of the environment.
FLAGS_VALID = frozenset({"N"})


class ReadingQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user, "sensor__station__"))

    def usable(self):
        """Readings that describe the environment (raw or validated): what the
        boards, rollups and indices (AQI, water class, noise) are made of."""
        return self.exclude(quality=QualityFlag.INVALID)

    def valid(self):
        """Readings that count for enforcement, the health code and credit: only
        those a reviewer validated (data review). Invalidated readings are never
        in it; raw ones join once reviewed."""
        return self.filter(quality=QualityFlag.VALIDATED)


class Reading(models.Model):
    """Reading (监测数据): one value of one sensor at one moment. The big table:
    its key is (sensor, time), so the same reading twice is stored once, and on
    PostgreSQL it is range-partitioned by month (migration 0002)."""

    pk = models.CompositePrimaryKey("sensor_id", "observed_at")
    sensor = models.ForeignKey(
        Sensor,
        on_delete=models.PROTECT,
        related_name="readings",
        verbose_name=_("sensor"),
    )
    observed_at = models.DateTimeField(_("observed at"))
    value = models.FloatField(_("value (in the sensor's unit)"))
    flag = models.CharField(
        _("HJ 212 data flag"), max_length=1, choices=DataFlag.choices, default="N"
    )
    quality = models.CharField(
        _("quality"), max_length=9, choices=QualityFlag.choices, default="raw"
    )

    objects = ReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.CheckConstraint(
                condition=Q(quality__in=["raw", "validated", "invalid"]),
                name="monitoring_reading_quality_valid",
            ),
            models.CheckConstraint(
                condition=Q(flag__in=list("NFMSDCTB")),
                name="monitoring_reading_flag_valid",
            ),
        ]
        indexes = [
            # rollups and review: every sensor's readings in a time range (a BRIN
            # index on PostgreSQL, see migration 0002)
            models.Index(fields=["observed_at"], name="monitoring_reading_time"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} @ {self.observed_at:%Y-%m-%d %H:%M} = {self.value}"


class RollupQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user, "sensor__station__"))


class HourlyRollup(models.Model):
    """Hourly mean (小时均值) of one sensor with its coverage: how many readings
    came (``count``) against how many the interval promises (``expected``).
    Invalid readings are left out; ``validated_count`` says how many of the rest
    were validated."""

    sensor = models.ForeignKey(
        Sensor,
        on_delete=models.CASCADE,
        related_name="hourly",
        verbose_name=_("sensor"),
    )
    hour_start = models.DateTimeField(_("hour (start, UTC)"))
    value_mean = models.FloatField(_("mean"))
    value_min = models.FloatField(_("minimum"))
    value_max = models.FloatField(_("maximum"))
    count = models.PositiveIntegerField(_("readings"))
    expected = models.PositiveIntegerField(_("expected readings"))
    validated_count = models.PositiveIntegerField(_("validated readings"), default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("hourly rollup")
        verbose_name_plural = _("hourly rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "hour_start"], name="monitoring_hourlyrollup_unique"
            )
        ]
        indexes = [
            # boards: the latest hours of all sensors
            models.Index(fields=["hour_start"], name="monitoring_hourly_time"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.sensor_id} @ {self.hour_start:%Y-%m-%d %H}h = {self.value_mean:.3g}"
        )

    @property
    def coverage(self) -> float:
        return self.count / self.expected if self.expected else 0.0

    @property
    def is_valid(self) -> bool:
        """An hourly mean needs ≥ 45 minutes of data (GB 3095 data validity)."""
        return self.coverage >= 0.75

    @property
    def is_validated(self) -> bool:
        return self.count > 0 and self.validated_count == self.count


class DailyRollup(models.Model):
    """Daily mean (日均值) of one sensor over a natural day in Asia/Shanghai, from
    its valid hourly means; for ozone also the maximum 8-hour sliding mean."""

    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="daily", verbose_name=_("sensor")
    )
    day = models.DateField(_("day (Asia/Shanghai)"))
    value_mean = models.FloatField(_("mean"))
    value_min = models.FloatField(_("minimum hourly mean"))
    value_max = models.FloatField(_("maximum hourly mean"))
    value_max_8h = models.FloatField(_("maximum 8-hour mean"), null=True, blank=True)
    hours = models.PositiveSmallIntegerField(_("valid hours"))
    expected_hours = models.PositiveSmallIntegerField(_("expected hours"))
    validated = models.BooleanField(_("all data validated"), default=False)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "day"], name="monitoring_dailyrollup_unique"
            )
        ]
        indexes = [
            # 30-day board charts and exceedance days
            models.Index(fields=["day"], name="monitoring_daily_day"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} @ {self.day} = {self.value_mean:.3g}"

    @property
    def coverage(self) -> float:
        return self.hours / self.expected_hours if self.expected_hours else 0.0

    @property
    def is_valid(self) -> bool:
        """A daily mean needs ≥ 20 of 24 hourly means (scaled for sparser data)."""
        return self.hours * 24 >= 20 * self.expected_hours


class StationIndexQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user, "station__"))


class StationIndex(models.Model):
    """Station index (站点指数): an AQI, a water class or a noise level of one
    station for one period, stored with the standard (and edition) used."""

    class Kind(models.TextChoices):
        AQI_HOURLY = "aqi_hourly", _("Hourly AQI")
        AQI_DAILY = "aqi_daily", _("Daily AQI")
        WATER_HOURLY = "water_hourly", _("Water class (sample)")
        WATER_DAILY = "water_daily", _("Water class (daily)")
        NOISE_HOURLY = "noise_hourly", _("Noise (hour)")
        NOISE_DAY = "noise_day", _("Noise (day period)")
        NOISE_NIGHT = "noise_night", _("Noise (night period)")

    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="indices",
        verbose_name=_("station"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period_start = models.DateTimeField(_("period start (UTC)"))
    value = models.FloatField(_("value"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    label = models.CharField(_("label"), max_length=20, blank=True)
    colour = models.CharField(_("colour"), max_length=7, blank=True)
    exceeded = models.BooleanField(_("exceeds the standard"), default=False)
    validated = models.BooleanField(_("from validated data"), default=False)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    edition = models.CharField(_("standard"), max_length=20)

    objects = StationIndexQuerySet.as_manager()

    class Meta:
        verbose_name = _("station index")
        verbose_name_plural = _("station indices")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "period_start"],
                name="monitoring_stationindex_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "aqi_hourly",
                        "aqi_daily",
                        "water_hourly",
                        "water_daily",
                        "noise_hourly",
                        "noise_day",
                        "noise_night",
                    ]
                ),
                name="monitoring_stationindex_kind_valid",
            ),
        ]
        indexes = [
            # boards, map and exceedance days: latest/ranged indices of one kind
            models.Index(
                fields=["kind", "period_start"], name="monitoring_index_kind_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.kind} {self.period_start:%Y-%m-%d %H:%M}"


class IngestBatch(models.Model):
    """Ingestion batch (数据批次): one upload or one listener flush, with its
    counts; an Idempotency-Key makes a retried upload return the first answer."""

    class Source(models.TextChoices):
        JSON = "json", _("REST JSON")
        CSV = "csv", _("REST CSV")
        HJ212 = "hj212", _("HJ 212 listener")
        DEMO = "demo", _("Demo data")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    idempotency_key = models.CharField(_("Idempotency-Key"), max_length=100, blank=True)
    request_hash = models.CharField(_("request hash"), max_length=64, blank=True)
    received = models.PositiveIntegerField(_("received"), default=0)
    stored = models.PositiveIntegerField(_("stored"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    response = models.JSONField(_("response"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ingestion batch")
        verbose_name_plural = _("ingestion batches")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="monitoring_ingestbatch_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["json", "csv", "hj212", "demo"]),
                name="monitoring_ingestbatch_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} ({self.stored}/{self.received})"


class IngestRejectionQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        if user_scope(user=user).is_bureau:
            # unknown MNs belong to no station; bureau staff see them too
            return self.filter(
                Q(station__in=Station.objects.for_user(user)) | Q(station__isnull=True)
            )
        return self.filter(station__in=Station.objects.for_user(user))


class IngestRejection(models.Model):
    """Rejected reading or packet (拒收记录), logged with its reason for the
    station it claimed to come from."""

    class Reason(models.TextChoices):
        MALFORMED = "malformed", _("Malformed line")
        PACKET = "packet", _("Bad packet (length, CRC or syntax)")
        UNKNOWN_STATION = "unknown_station", _("Unknown MN or station")
        UNKNOWN_SENSOR = "unknown_sensor", _("No such sensor at the station")
        PASSWORD = "password", _("Wrong HJ 212 password")
        BAD_TIME = "bad_time", _("Missing or invalid time")
        FUTURE = "future", _("Time in the future")
        BAD_VALUE = "bad_value", _("Not a number")
        NEGATIVE = "negative", _("Negative value")
        OUT_OF_RANGE = "out_of_range", _("Outside the plausible range (wrong unit?)")
        WRONG_UNIT = "wrong_unit", _("Unit does not match the sensor")
        BAD_FLAG = "bad_flag", _("Unknown data flag")

    batch = models.ForeignKey(
        IngestBatch,
        on_delete=models.CASCADE,
        related_name="rejections",
        null=True,
        blank=True,
        verbose_name=_("batch"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="rejections",
        null=True,
        blank=True,
        verbose_name=_("station"),
    )
    mn = models.CharField(_("MN"), max_length=40, blank=True)
    line = models.PositiveIntegerField(_("line or item"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    message = models.CharField(_("message"), max_length=300)
    raw = models.TextField(_("received text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = IngestRejectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("rejected reading")
        verbose_name_plural = _("rejected readings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "malformed",
                        "packet",
                        "unknown_station",
                        "unknown_sensor",
                        "password",
                        "bad_time",
                        "future",
                        "bad_value",
                        "negative",
                        "out_of_range",
                        "wrong_unit",
                        "bad_flag",
                    ]
                ),
                name="monitoring_ingestrejection_reason_valid",
            ),
        ]
        indexes = [
            # a station's rejection log, newest first
            models.Index(
                fields=["station", "-created_at"], name="monitoring_rejection_station"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mn} {self.reason}: {self.message}"


# ---------------------------------------------------------------------------
# Rules and alarms
# ---------------------------------------------------------------------------

TICKET_CATEGORIES = [
    ("odour", _("Odour")),
    ("cooking_fume", _("Cooking fume")),
    ("noise", _("Noise")),
    ("dust", _("Dust")),
    ("wastewater", _("Wastewater")),
    ("waste", _("Waste")),
    ("other", _("Other")),
]


class RuleQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Rules for every station of a kind, and rules of the stations the user
        sees (a station's rule names the station)."""
        return self.filter(
            Q(station__isnull=True)
            | Q(station__in=Station.objects.for_user(user).values("pk"))
        )


class Rule(TimeStampedModel):
    """Alarm rule (预警规则): a condition on a parameter or an index that must
    hold for a duration before it raises an alarm, and a hysteresis band it must
    leave before the alarm ends; it applies to one station or to every station
    of a kind."""

    class Kind(models.TextChoices):
        PARAMETER = "parameter", _("Parameter threshold")
        AQI = "aqi", _("Hourly AQI")
        WATER_CLASS = "water_class", _("Water class (I=1 … 劣V=6)")
        NOISE = "noise", _("Noise above the GB 3096 limit (dB)")
        FUME = "fume", _("Catering fume window means")
        FAN_WITHOUT_CLEANER = "fan_without_cleaner", _("Fan on, cleaner off")

    class Direction(models.TextChoices):
        ABOVE = "above", _("Above the threshold")
        BELOW = "below", _("Below the threshold")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parameter = models.CharField(
        _("parameter"),
        max_length=20,
        choices=PARAMETER_CHOICES,
        blank=True,
        help_text=_("For parameter and fume rules."),
    )
    station_kind = models.CharField(
        _("station kind"), max_length=20, choices=Station.Kind.choices, blank=True
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="rules",
        null=True,
        blank=True,
        verbose_name=_("station"),
    )
    direction = models.CharField(
        _("direction"),
        max_length=5,
        choices=Direction.choices,
        default=Direction.ABOVE,
    )
    threshold = models.FloatField(_("threshold"))
    clear_threshold = models.FloatField(
        _("clear threshold"),
        help_text=_(
            "Hysteresis: an open alarm ends only once the value is back beyond this."
        ),
    )
    duration_minutes = models.PositiveIntegerField(
        _("must hold for (minutes)"), default=0
    )
    clear_minutes = models.PositiveIntegerField(
        _("must be clear for (minutes)"), default=0
    )
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"),
        default=10,
        help_text=_("Fume rules: readings are judged as window means."),
    )
    daily_count = models.PositiveIntegerField(
        _("exceeding windows per day"),
        default=1,
        help_text=_("Fume rules: alarm once this many windows of a day exceed."),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default="warning"
    )
    dispatch = models.BooleanField(
        _("dispatch to the grid"),
        default=True,
        help_text=_("Open a grid ticket for each alarm."),
    )
    ticket_category = models.CharField(
        _("ticket category"), max_length=20, choices=TICKET_CATEGORIES, default="other"
    )
    annotation_minutes = models.PositiveIntegerField(
        _("remote check window (minutes)"),
        default=0,
        help_text=_(
            "Enterprise monitors: time the enterprise has to annotate a known "
            "cause before the alarm is dispatched."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "parameter",
                        "aqi",
                        "water_class",
                        "noise",
                        "fume",
                        "fan_without_cleaner",
                    ]
                ),
                name="monitoring_rule_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["above", "below"]),
                name="monitoring_rule_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["warning", "critical"]),
                name="monitoring_rule_severity_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    ticket_category__in=[code for code, _label in TICKET_CATEGORIES]
                ),
                name="monitoring_rule_ticket_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=False) | ~Q(station_kind=""),
                name="monitoring_rule_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["parameter", "fume"]) | ~Q(parameter=""),
                name="monitoring_rule_parameter_required",
            ),
            # hysteresis: the clear threshold lies on the safe side of the threshold
            models.CheckConstraint(
                condition=Q(
                    direction="above", clear_threshold__lte=models.F("threshold")
                )
                | Q(direction="below", clear_threshold__gte=models.F("threshold")),
                name="monitoring_rule_hysteresis_valid",
            ),
            models.CheckConstraint(
                condition=Q(window_minutes__gte=1),
                name="monitoring_rule_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def breaches(self, value: float) -> bool:
        if self.direction == self.Direction.BELOW:
            return value < self.threshold
        return value > self.threshold

    def clears(self, value: float) -> bool:
        if self.direction == self.Direction.BELOW:
            return value >= self.clear_threshold
        return value <= self.clear_threshold


class RuleState(models.Model):
    """Where a rule's evaluation stands for one station: how far it has read,
    and since when the condition (or its clearing) has held."""

    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, related_name="states", verbose_name=_("rule")
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="rule_states",
        verbose_name=_("station"),
    )
    evaluated_until = models.DateTimeField(_("evaluated until"), null=True)
    breach_since = models.DateTimeField(_("condition holds since"), null=True)
    breach_peak = models.FloatField(_("peak since then"), null=True)
    breach_peak_at = models.DateTimeField(_("peak at"), null=True)
    breach_validated = models.BooleanField(_("all validated since then"), default=True)
    clear_since = models.DateTimeField(_("clear since"), null=True)

    class Meta:
        verbose_name = _("rule state")
        verbose_name_plural = _("rule states")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "station"], name="monitoring_rulestate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} @ {self.station_id}"


class AlarmQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self.filter(_scope_condition(user, "station__"))

    def open(self):
        return self.filter(status=Alarm.Status.OPEN)

    def valid(self):
        """Alarms that count for enforcement and the health code: every usable
        reading behind them is validated (kept up to date by data review)."""
        return self.filter(validated=True)


class Alarm(TimeStampedModel):
    """Alarm (预警): a rule's condition held at a station from ``started_at``
    (to ``ended_at``); one open alarm per rule and station. Enterprise monitors
    get a remote check first: the enterprise may annotate a known cause before
    the alarm is dispatched to the grid."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Dispatch(models.TextChoices):
        PENDING = "pending", _("Awaiting remote check")
        DISPATCHED = "dispatched", _("Dispatched")
        DISMISSED = "dismissed", _("Dismissed by staff")
        NOT_REQUIRED = "not_required", _("Not dispatched")
        FAILED = "failed", _("Dispatch failed")

    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="alarms", verbose_name=_("rule")
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="alarms",
        verbose_name=_("station"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"))
    peak_at = models.DateTimeField(_("peak at"))
    last_value = models.FloatField(_("last value"))
    threshold = models.FloatField(_("threshold"))
    unit = models.CharField(_("unit"), max_length=12, blank=True)
    validated = models.BooleanField(
        _("from validated data"),
        default=False,
        help_text=_(
            "Alarms warn early on raw data; enforcement counts only validated."
        ),
    )
    dispatch_status = models.CharField(
        _("dispatch"), max_length=12, choices=Dispatch.choices, default="pending"
    )
    dispatch_due_at = models.DateTimeField(_("dispatch due at"), null=True, blank=True)
    annotation = models.TextField(_("enterprise annotation"), blank=True)
    annotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annotated by"),
    )
    annotated_at = models.DateTimeField(_("annotated at"), null=True, blank=True)
    ticket_ref = models.CharField(_("ticket"), max_length=40, blank=True)

    objects = AlarmQuerySet.as_manager()

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "station"],
                condition=Q(status="open"),
                name="monitoring_alarm_one_open_per_rule_station",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]),
                name="monitoring_alarm_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    dispatch_status__in=[
                        "pending",
                        "dispatched",
                        "dismissed",
                        "not_required",
                        "failed",
                    ]
                ),
                name="monitoring_alarm_dispatch_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", ended_at__isnull=True)
                | Q(status="closed", ended_at__isnull=False),
                name="monitoring_alarm_end_iff_closed",
            ),
        ]
        indexes = [
            # the dispatch sweep: pending alarms whose remote check has run out
            models.Index(
                fields=["dispatch_status", "dispatch_due_at"],
                name="monitoring_alarm_dispatch_due",
            ),
            # a station's alarms, newest first (boards, station page, timeline)
            models.Index(
                fields=["station", "-started_at"], name="monitoring_alarm_station"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.station.code} · {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:alarm-detail", args=[self.pk])

    @property
    def origin(self) -> str:
        return f"monitoring.alarm:{self.pk}"


class AlarmEvent(models.Model):
    """One step in an alarm's life (预警记录): opened, annotated, dispatched,
    dismissed, closed — who, when, and a note."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ANNOTATED = "annotated", _("Annotated by the enterprise")
        DISPATCHED = "dispatched", _("Dispatched to the grid")
        DISPATCH_FAILED = "dispatch_failed", _("Dispatch failed")
        DISMISSED = "dismissed", _("Dismissed")
        CLOSED = "closed", _("Closed")

    alarm = models.ForeignKey(
        Alarm, on_delete=models.CASCADE, related_name="events", verbose_name=_("alarm")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alarm event")
        verbose_name_plural = _("alarm events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "opened",
                        "annotated",
                        "dispatched",
                        "dispatch_failed",
                        "dismissed",
                        "closed",
                    ]
                ),
                name="monitoring_alarmevent_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Mobile surveys (走航)
# ---------------------------------------------------------------------------


class SurveyQuerySet(ScopedQuerySet):
    def for_user(self, user):
        from grid.selectors import user_scope

        scope = user_scope(user=user)
        if scope.is_superuser:
            return self.all()
        return self.filter(district_id__in=scope.district_ids)


class Survey(TimeStampedModel):
    """Mobile survey (走航监测): a vehicle's GPS track with readings of one
    parameter; the top-percentile stretches are its hotspots."""

    name = models.CharField(_("name"), max_length=150)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="monitoring_surveys",
        verbose_name=_("district"),
    )
    parameter = models.CharField(
        _("parameter"), max_length=20, choices=PARAMETER_CHOICES
    )
    unit = models.CharField(_("unit"), max_length=12)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    hotspot_percentile = models.FloatField(_("hotspot percentile"), default=95)
    notes = models.TextField(_("notes"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("mobile survey")
        verbose_name_plural = _("mobile surveys")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parameter__in=list(PARAMETERS)),
                name="monitoring_survey_parameter_valid",
            ),
            models.CheckConstraint(
                condition=Q(hotspot_percentile__gt=0, hotspot_percentile__lt=100),
                name="monitoring_survey_percentile_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("monitoring:survey-detail", args=[self.pk])


class SurveyPoint(models.Model):
    """One point of a survey track (走航轨迹点)."""

    survey = models.ForeignKey(
        Survey,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name=_("survey"),
    )
    seq = models.PositiveIntegerField(_("sequence"))
    observed_at = models.DateTimeField(_("observed at"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("survey point")
        verbose_name_plural = _("survey points")
        ordering = ["survey", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "seq"], name="monitoring_surveypoint_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.seq}"


class SurveyHotspot(models.Model):
    """Hotspot (高值区): a run of consecutive survey points at or above the
    survey's percentile."""

    survey = models.ForeignKey(
        Survey,
        on_delete=models.CASCADE,
        related_name="hotspots",
        verbose_name=_("survey"),
    )
    rank = models.PositiveIntegerField(_("rank"))
    first_seq = models.PositiveIntegerField(_("first point"))
    last_seq = models.PositiveIntegerField(_("last point"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    peak_value = models.FloatField(_("peak"))
    mean_value = models.FloatField(_("mean"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    length_m = models.FloatField(_("length (m)"))

    class Meta:
        verbose_name = _("survey hotspot")
        verbose_name_plural = _("survey hotspots")
        ordering = ["survey", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "rank"], name="monitoring_surveyhotspot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} hotspot {self.rank}"


class ReviewDecision(models.Model):
    """Review decision (数据审核记录): one reviewer's validation or invalidation
    of a set of readings, with the reason and, per reading, the quality it had
    before. Append-only: a later decision on the same readings is a new row."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="review_decisions",
        verbose_name=_("district"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    quality = models.CharField(_("quality"), max_length=9, choices=QualityFlag.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    count = models.PositiveIntegerField(_("readings changed"))
    # [[sensor id, "ISO time", quality before], ...] of the readings it changed
    readings = models.JSONField(_("readings"), default=list)

    objects = BureauRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quality__in=["raw", "validated", "invalid"]),
                name="monitoring_reviewdecision_quality_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="monitoring_reviewdecision_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decided_at:%Y-%m-%d %H:%M} {self.quality} × {self.count}"
