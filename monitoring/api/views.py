import hashlib

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound
from grid.permissions import IsBureauStaff
from grid.selectors import user_scope
from monitoring import selectors, services
from monitoring.api import serializers
from monitoring.filters import AlarmFilter, StationFilter, TimeRangeFilter
from monitoring.models import IngestBatch, Rule, Sensor
from monitoring.selectors import survey_district

MAX_RANGE_DAYS = 93


class RawParser(BaseParser):
    """Bulk bodies are read as bytes (JSON array, JSON lines or CSV)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream else b""


class MaySubmitReadings(BasePermission):
    """Bureau staff (their district's stations) and enterprise users (their own
    monitors) may submit readings."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user_scope(user=user).is_bureau or user.enterprise_accounts.exists()


class TimeSeriesPagination(CursorPagination):
    page_size = 500
    max_page_size = 5000
    page_size_query_param = "page_size"


def _time_range(request, field: str):
    """A bounded [start, end) from ?start=&end= (ISO 8601); series endpoints need
    a sensor or station and at most ~3 months, so a query never scans the
    whole readings table."""
    end = parse_datetime(request.query_params.get("end", "") or "") or timezone.now()
    start_text = request.query_params.get("start")
    start = (
        parse_datetime(start_text) if start_text else end - timezone.timedelta(days=1)
    )
    if start is None:
        raise InvalidInput(fields={"start": [_("Not an ISO 8601 time.")]})
    if start >= end or (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput(
            fields={"start": [_("The range must be positive and at most 93 days.")]}
        )
    if not (request.query_params.get("sensor") or request.query_params.get("station")):
        raise InvalidInput(fields={"sensor": [_("Give a sensor or a station.")]})
    return {f"{field}__gte": start, f"{field}__lt": end}


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    """Stations and monitors in the user's scope (enterprises: their own)."""

    serializer_class = serializers.StationSerializer
    filterset_class = StationFilter
    ordering_fields = ["code", "name", "kind", "last_seen_at"]

    def get_queryset(self):
        return selectors.station_list(user=self.request.user).prefetch_related(
            Prefetch("sensors", queryset=Sensor.objects.order_by("parameter"))
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"], url_path="map")
    def map(self, request):
        """GeoJSON of the stations, coloured by their current index."""
        return Response(selectors.station_map(user=request.user))


class SensorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SensorSerializer
    filterset_fields = ["station", "parameter"]

    def get_queryset(self):
        return selectors.sensor_list(user=self.request.user).order_by(
            "station", "parameter"
        )


@extend_schema(
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATETIME),
        OpenApiParameter("end", OpenApiTypes.DATETIME),
    ]
)
class ReadingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Raw readings of one sensor or station in a time range (at most 93 days),
    and the bulk ingestion endpoint."""

    serializer_class = serializers.ReadingSerializer
    filterset_class = TimeRangeFilter
    pagination_class = TimeSeriesPagination
    ordering = "-observed_at"
    ordering_fields = ["observed_at"]

    def get_queryset(self):
        queryset = selectors.reading_list(user=self.request.user)
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            queryset = queryset.filter(**_time_range(self.request, "observed_at"))
        return queryset

    @extend_schema(
        request={
            "application/json": {"type": "array", "items": {"type": "object"}},
            "application/x-ndjson": OpenApiTypes.STR,
            "text/csv": OpenApiTypes.STR,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=_("Retrying with the same key returns the first answer."),
            )
        ],
        responses={200: serializers.IngestResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, RawParser],
        permission_classes=[MaySubmitReadings],
    )
    def bulk(self, request):
        """Submit readings: a JSON array or JSON lines of {station (MN or code),
        parameter (code or HJ 212 code), time, value, flag, unit}, or CSV with
        those columns (also as a multipart ``file``). Bad readings are rejected
        with a reason, the rest stored; a reading already stored is not stored
        again."""
        upload = request.FILES.get("file") if request.FILES else None
        body = upload.read() if upload else request.data
        if not isinstance(body, bytes):
            raise InvalidInput(fields={"file": [_("Send a file or a request body.")]})
        content_type = (request.content_type or "").split(";")[0].strip()
        is_csv = content_type == "text/csv" or (
            upload is not None and not upload.name.lower().endswith((".json", ".jsonl"))
        )
        parse = services.items_from_csv if is_csv else services.items_from_json
        report = services.readings_ingest(
            items=lambda: parse(body),
            source=IngestBatch.Source.CSV if is_csv else IngestBatch.Source.JSON,
            user=request.user,
            stations=selectors.station_list(user=request.user),
            idempotency_key=(request.headers.get("Idempotency-Key") or "")[:100],
            request_hash=hashlib.sha256(body).hexdigest(),
        )
        return Response(report.as_response(), status=status.HTTP_200_OK)

    @extend_schema(
        request=serializers.ReviewSerializer, responses={200: OpenApiTypes.OBJECT}
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser],
        permission_classes=[IsBureauStaff],
    )
    def review(self, request):
        """Mark readings validated or invalid (data review); rollups, indices and
        alarms follow."""
        data = serializers.ReviewSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        sensors = selectors.sensor_list(user=request.user).filter(
            pk__in=[sensor.pk for sensor in data.validated_data["sensors"]]
        )
        changed = services.readings_review(
            user=request.user,
            sensors=sensors,
            start=data.validated_data["start"],
            end=data.validated_data["end"],
            quality=data.validated_data["quality"],
            reason=data.validated_data["reason"],
        )
        return Response({"changed": changed})

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsBureauStaff],
        url_path="review-queue",
        filterset_class=None,
        pagination_class=None,
    )
    def review_queue(self, request):
        """Readings flagged for review in a window of at most 7 days: spikes,
        flat lines, values out of range and HJ 212 flags D/M/C/F/B."""
        window = serializers.ReviewWindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        rows = selectors.review_queue(user=request.user, **window.validated_data)
        return Response({"results": rows, "count": len(rows)})

    @extend_schema(
        request=serializers.ReadingDecisionSerializer,
        responses={201: serializers.ReviewDecisionSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser],
        permission_classes=[IsBureauStaff],
        url_path="decisions",
    )
    def decisions(self, request):
        """Validate or invalidate the listed readings with a reason, all or none
        (at most 10,000 in one request); rollups, indices and alarms follow and
        the decision is kept on the record."""
        data = serializers.ReadingDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.readings_decide(
            user=request.user,
            readings=[
                (row["sensor"], row["observed_at"])
                for row in data.validated_data["readings"]
            ],
            quality=data.validated_data["quality"],
            reason=data.validated_data["reason"],
        )
        return Response(
            serializers.ReviewDecisionSerializer(decision).data,
            status=status.HTTP_201_CREATED,
        )


class _SeriesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    filterset_class = TimeRangeFilter
    time_field = "hour_start"

    def get_queryset(self):
        queryset = self.selector(user=self.request.user)
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            queryset = queryset.filter(**_time_range(self.request, self.time_field))
        return queryset


@extend_schema(
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATETIME),
        OpenApiParameter("end", OpenApiTypes.DATETIME),
    ]
)
class HourlyRollupViewSet(_SeriesViewSet):
    """Hourly means with coverage."""

    serializer_class = serializers.HourlyRollupSerializer
    selector = staticmethod(selectors.hourly_rollup_list)


@extend_schema(
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATETIME),
        OpenApiParameter("end", OpenApiTypes.DATETIME),
    ]
)
class DailyRollupViewSet(_SeriesViewSet):
    """Daily means over natural days in Asia/Shanghai."""

    serializer_class = serializers.DailyRollupSerializer
    selector = staticmethod(selectors.daily_rollup_list)
    time_field = "day"

    def get_queryset(self):
        queryset = self.selector(user=self.request.user)
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            span = _time_range(self.request, "day")
            queryset = queryset.filter(
                day__gte=timezone.localdate(span["day__gte"]),
                day__lt=timezone.localdate(span["day__lt"]),
            )
        return queryset


@extend_schema(
    parameters=[
        OpenApiParameter("station", OpenApiTypes.INT, required=True),
        OpenApiParameter("kind", OpenApiTypes.STR),
        OpenApiParameter("start", OpenApiTypes.DATETIME),
        OpenApiParameter("end", OpenApiTypes.DATETIME),
    ]
)
class StationIndexViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """AQI, water class and noise indices with the standard edition used."""

    serializer_class = serializers.StationIndexSerializer
    filterset_fields = ["station", "kind"]

    def get_queryset(self):
        queryset = selectors.station_index_list(user=self.request.user)
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            queryset = queryset.filter(**_time_range(self.request, "period_start"))
        return queryset


class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    """Alarm rules (edited in the admin)."""

    serializer_class = serializers.RuleSerializer
    filterset_fields = ["kind", "station_kind", "is_active"]
    permission_classes = [IsBureauStaff]

    def get_queryset(self):
        return Rule.objects.for_user(self.request.user).order_by("name", "id")


class AlarmViewSet(viewsets.ReadOnlyModelViewSet):
    """Alarms of the user's stations; enterprises see their own monitors'."""

    filterset_class = AlarmFilter
    ordering_fields = ["started_at", "peak_value"]

    def get_queryset(self):
        queryset = selectors.alarm_list(user=self.request.user).order_by(
            "-started_at", "-id"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__user")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.AlarmDetailSerializer
        return serializers.AlarmSerializer

    @extend_schema(
        request=serializers.AlarmAnnotateSerializer,
        responses=serializers.AlarmDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def annotate(self, request, pk=None):
        """The enterprise explains a known cause during the remote check."""
        alarm = self.get_object()
        data = serializers.AlarmAnnotateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = services.alarm_annotate(
            alarm=alarm, user=request.user, text=data.validated_data["annotation"]
        )
        return Response(serializers.AlarmDetailSerializer(alarm).data)

    @extend_schema(
        request=serializers.AlarmDismissSerializer,
        responses=serializers.AlarmDetailSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def dismiss(self, request, pk=None):
        """Bureau staff decide not to dispatch, with a reason."""
        alarm = self.get_object()
        data = serializers.AlarmDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = services.alarm_dismiss(
            alarm=alarm, user=request.user, reason=data.validated_data["reason"]
        )
        return Response(serializers.AlarmDetailSerializer(alarm).data)


class RejectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Rejected readings and packets, with their reasons."""

    serializer_class = serializers.RejectionSerializer
    filterset_fields = ["station", "reason", "batch"]

    def get_queryset(self):
        return selectors.rejection_list(user=self.request.user).order_by(
            "-created_at", "-id"
        )


class SurveyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Mobile surveys (走航) with their hotspots."""

    permission_classes = [IsBureauStaff]

    def get_queryset(self):
        queryset = selectors.survey_list(user=self.request.user).order_by(
            "-started_at", "-id"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("points", "hotspots")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.SurveyDetailSerializer
        return serializers.SurveySerializer

    @extend_schema(
        request={"multipart/form-data": serializers.SurveyCreateSerializer},
        responses={201: serializers.SurveyDetailSerializer},
    )
    def create(self, request):
        data = serializers.SurveyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.survey_create(
            user=request.user,
            name=data.validated_data["name"],
            district=survey_district(user=request.user),
            parameter=data.validated_data["parameter"],
            data=data.validated_data["file"].read(),
            filename=data.validated_data["file"].name,
            hotspot_percentile=data.validated_data["hotspot_percentile"],
            notes=data.validated_data.get("notes", ""),
        )
        body = serializers.SurveyDetailSerializer(upload.survey).data
        body["skipped"] = upload.skipped
        body["problems"] = upload.problems
        return Response(body, status=status.HTTP_201_CREATED)


class TracingView(APIView):
    """Rank the enterprises upwind of a complaint point or an alarm's station."""

    permission_classes = [IsBureauStaff]

    @extend_schema(
        request=serializers.TraceRequestSerializer,
        responses=serializers.TraceResultSerializer,
    )
    def post(self, request):
        data = serializers.TraceRequestSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "alarm" in values:
            values["alarm"] = values["alarm"].pk
        result = selectors.trace_request(user=request.user, **values)
        return Response(serializers.TraceResultSerializer(result).data)


class BoardView(APIView):
    """Board data as JSON: air, water, noise, indoor, enterprise."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, name: str):
        from monitoring.boards_json import board_data

        data = board_data(name=name, user=request.user)
        if data is None:
            raise NotFound()
        return Response(data)
