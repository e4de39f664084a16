from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import ScopedPrimaryKeyRelatedField
from monitoring.models import (
    Alarm,
    AlarmEvent,
    DailyRollup,
    HourlyRollup,
    IngestRejection,
    QualityFlag,
    Reading,
    Rule,
    Sensor,
    Station,
    StationIndex,
    Survey,
    SurveyHotspot,
    SurveyPoint,
)
from monitoring.parameters import PARAMETER_CHOICES
from monitoring.selectors.tracing import DEFAULT_RADIUS_M, SECTOR_WEIGHTS


class SensorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sensor
        fields = [
            "id",
            "station",
            "parameter",
            "unit",
            "hj212_code",
            "interval_s",
            "valid_min",
            "valid_max",
            "is_active",
        ]
        read_only_fields = fields


class StationSensorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sensor
        fields = ["id", "parameter", "unit", "hj212_code", "interval_s", "is_active"]
        read_only_fields = fields


class StationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(
        source="enterprise.name", read_only=True, default=None
    )
    street_name = serializers.CharField(
        source="street.name", read_only=True, default=None
    )
    sensors = StationSensorSerializer(many=True, read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "status",
            "mn",
            "lon",
            "lat",
            "address",
            "district",
            "street",
            "street_name",
            "grid_cell",
            "enterprise",
            "enterprise_name",
            "water_body",
            "water_target",
            "noise_zone",
            "last_seen_at",
            "sensors",
        ]
        read_only_fields = fields


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = ["sensor", "observed_at", "value", "flag", "quality"]
        read_only_fields = fields


class HourlyRollupSerializer(serializers.ModelSerializer):
    coverage = serializers.FloatField(read_only=True)

    class Meta:
        model = HourlyRollup
        fields = [
            "sensor",
            "hour_start",
            "value_mean",
            "value_min",
            "value_max",
            "count",
            "expected",
            "coverage",
            "validated_count",
        ]
        read_only_fields = fields


class DailyRollupSerializer(serializers.ModelSerializer):
    coverage = serializers.FloatField(read_only=True)
    is_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = DailyRollup
        fields = [
            "sensor",
            "day",
            "value_mean",
            "value_min",
            "value_max",
            "value_max_8h",
            "hours",
            "expected_hours",
            "coverage",
            "is_valid",
            "validated",
        ]
        read_only_fields = fields


class StationIndexSerializer(serializers.ModelSerializer):
    class Meta:
        model = StationIndex
        fields = [
            "station",
            "kind",
            "period_start",
            "value",
            "level",
            "label",
            "colour",
            "exceeded",
            "validated",
            "detail",
            "edition",
        ]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "kind",
            "parameter",
            "station_kind",
            "station",
            "direction",
            "threshold",
            "clear_threshold",
            "duration_minutes",
            "clear_minutes",
            "window_minutes",
            "daily_count",
            "severity",
            "dispatch",
            "ticket_category",
            "annotation_minutes",
            "is_active",
        ]
        read_only_fields = fields


class AlarmEventSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()

    class Meta:
        model = AlarmEvent
        fields = ["kind", "at", "user", "note"]
        read_only_fields = fields


class AlarmSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    enterprise = serializers.IntegerField(
        source="station.enterprise_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Alarm
        fields = [
            "id",
            "rule",
            "rule_name",
            "station",
            "station_code",
            "station_name",
            "enterprise",
            "status",
            "started_at",
            "ended_at",
            "peak_value",
            "peak_at",
            "last_value",
            "threshold",
            "unit",
            "validated",
            "dispatch_status",
            "dispatch_due_at",
            "annotation",
            "annotated_at",
            "ticket_ref",
        ]
        read_only_fields = fields


class AlarmDetailSerializer(AlarmSerializer):
    events = AlarmEventSerializer(many=True, read_only=True)

    class Meta(AlarmSerializer.Meta):
        fields = [*AlarmSerializer.Meta.fields, "events"]
        read_only_fields = fields


class AlarmAnnotateSerializer(serializers.Serializer):
    annotation = serializers.CharField(label=_("annotation"), max_length=2000)


class AlarmDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=1000)


class RejectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IngestRejection
        fields = [
            "id",
            "batch",
            "station",
            "mn",
            "line",
            "reason",
            "message",
            "created_at",
        ]
        read_only_fields = fields


class IngestResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(allow_null=True)
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    ignored = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejections = serializers.ListField(child=serializers.DictField())


class ReviewSerializer(serializers.Serializer):
    sensors = ScopedPrimaryKeyRelatedField(
        queryset=Sensor.objects.all(),
        many=True,
        label=_("sensors"),
        allow_empty=False,
        max_length=500,
    )
    start = serializers.DateTimeField(label=_("start"))
    end = serializers.DateTimeField(label=_("end"))
    quality = serializers.ChoiceField(label=_("quality"), choices=QualityFlag.choices)
    reason = serializers.CharField(label=_("reason"), max_length=2000)


class ReviewWindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField(label=_("start"))
    end = serializers.DateTimeField(label=_("end"))


class ReadingKeySerializer(serializers.Serializer):
    sensor = serializers.IntegerField(
        label=_("sensor"), min_value=1, max_value=2**63 - 1
    )
    observed_at = serializers.DateTimeField(label=_("observed at"))


class ReadingDecisionSerializer(serializers.Serializer):
    """Validate or invalidate readings in bulk (at most 10,000), with a reason."""

    readings = ReadingKeySerializer(many=True, label=_("readings"))
    # the same choices as readings (one schema enum); "raw" is refused as a
    # decision by the service (400 naming the field)
    quality = serializers.ChoiceField(label=_("decision"), choices=QualityFlag.choices)
    reason = serializers.CharField(label=_("reason"), max_length=2000)

    def validate_readings(self, value):
        from monitoring.services import MAX_READINGS_PER_DECISION

        if not value:
            raise serializers.ValidationError(_("No reading selected."))
        if len(value) > MAX_READINGS_PER_DECISION:
            raise serializers.ValidationError(
                _("At most %(max)s readings in one decision; split the batch.")
                % {"max": f"{MAX_READINGS_PER_DECISION:,}"}
            )
        return value


class ReviewDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    quality = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True)


class SurveyPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyPoint
        fields = ["seq", "observed_at", "lon", "lat", "value"]
        read_only_fields = fields


class SurveyHotspotSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyHotspot
        fields = [
            "rank",
            "first_seq",
            "last_seq",
            "started_at",
            "ended_at",
            "peak_value",
            "mean_value",
            "lon",
            "lat",
            "length_m",
        ]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "district",
            "parameter",
            "unit",
            "started_at",
            "ended_at",
            "hotspot_percentile",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class SurveyDetailSerializer(SurveySerializer):
    points = SurveyPointSerializer(many=True, read_only=True)
    hotspots = SurveyHotspotSerializer(many=True, read_only=True)

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "points", "hotspots"]
        read_only_fields = fields


class SurveyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=150)
    parameter = serializers.ChoiceField(label=_("parameter"), choices=PARAMETER_CHOICES)
    file = serializers.FileField(label=_("track (CSV or GeoJSON)"))
    hotspot_percentile = serializers.FloatField(
        label=_("hotspot percentile"), default=95, min_value=50, max_value=99.9
    )
    notes = serializers.CharField(label=_("notes"), required=False, allow_blank=True)


class TraceRequestSerializer(serializers.Serializer):
    lon = serializers.FloatField(
        label=_("longitude (WGS-84)"), min_value=-180, max_value=180, required=False
    )
    lat = serializers.FloatField(
        label=_("latitude (WGS-84)"), min_value=-90, max_value=90, required=False
    )
    at = serializers.DateTimeField(label=_("time of the event"), required=False)
    alarm = ScopedPrimaryKeyRelatedField(
        queryset=Alarm.objects.all(), label=_("alarm"), required=False
    )
    wind_direction = serializers.FloatField(
        label=_("wind from (degrees)"), min_value=0, max_value=360, required=False
    )
    wind_speed = serializers.FloatField(
        label=_("wind speed (m/s)"), min_value=0, max_value=75, required=False
    )
    radius_m = serializers.FloatField(
        label=_("radius (m)"), default=DEFAULT_RADIUS_M, min_value=100, max_value=20000
    )
    category = serializers.ChoiceField(
        label=_("kind of complaint"),
        choices=[(key, key) for key in (*SECTOR_WEIGHTS, "other")],
        default="odour",
    )

    def validate(self, data):
        if "alarm" not in data and ("lon" not in data or "lat" not in data):
            raise serializers.ValidationError(
                {"lon": [_("Give a point (lon, lat) or an alarm.")]}
            )
        if ("wind_direction" in data) != ("wind_speed" in data):
            raise serializers.ValidationError(
                {"wind_speed": [_("Give both wind direction and speed, or neither.")]}
            )
        return data


class TraceCandidateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="enterprise.pk")
    name = serializers.CharField(source="enterprise.name")
    sector = serializers.CharField(source="enterprise.sector")
    score = serializers.FloatField()
    distance_m = serializers.FloatField()
    bearing_deg = serializers.FloatField()
    angle_off_deg = serializers.FloatField()
    travel_minutes = serializers.FloatField(allow_null=True)
    weights = serializers.DictField(child=serializers.FloatField())
    monitor_events = serializers.ListField(child=serializers.DictField())
    explanation = serializers.CharField()


class WindSerializer(serializers.Serializer):
    direction_deg = serializers.FloatField()
    speed_m_s = serializers.FloatField()
    source = serializers.CharField()


class TraceResultSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    at = serializers.DateTimeField()
    wind = WindSerializer()
    radius_m = serializers.FloatField()
    category = serializers.CharField()
    method = serializers.CharField()
    candidates = TraceCandidateSerializer(many=True)
