"""API of the health code: codes with their breakdown and explanation, the
overview, risk model versions and recompute runs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from enforcement import selectors, services
from enforcement.api.records import IsStaffMember
from enforcement.models import (
    HealthCode,
    HealthCodeChange,
    RecomputeRun,
    RiskModel,
    RiskModelFactor,
    RiskTier,
)
from grid.permissions import IsBureauAdmin, IsBureauStaff


class HealthCodeListSerializer(serializers.ListSerializer):
    """Works out the breakdowns of a whole page at once."""

    def to_representation(self, data):
        codes = list(data.all() if hasattr(data, "all") else data)
        self.child.breakdowns = selectors.health_code_breakdowns(codes)
        return super().to_representation(codes)


class HealthCodeSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    street = serializers.IntegerField(source="enterprise.street_id", read_only=True)
    model_version = serializers.IntegerField(source="model.version", read_only=True)
    breakdown = serializers.SerializerMethodField(
        help_text="Per factor: raw value, weight, decayed value, contribution and "
        "the records behind it, as of the code's date."
    )
    vetoed_by = serializers.JSONField(read_only=True)

    class Meta:
        model = HealthCode
        list_serializer_class = HealthCodeListSerializer
        fields = [
            "enterprise",
            "enterprise_name",
            "street",
            "score",
            "colour",
            "model_version",
            "as_of",
            "computed_at",
            "colour_since",
            "vetoed_by",
            "top_factor",
            "breakdown",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "array", "items": {"type": "object", "additionalProperties": True}}
    )
    def get_breakdown(self, code: HealthCode) -> list[dict]:
        breakdowns = getattr(self, "breakdowns", None) or {}
        if code.enterprise_id in breakdowns:
            return breakdowns[code.enterprise_id]
        return selectors.health_code_breakdown(code)


class HealthCodeChangeSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model.version", read_only=True)

    class Meta:
        model = HealthCodeChange
        fields = [
            "id",
            "enterprise",
            "from_colour",
            "to_colour",
            "score",
            "model_version",
            "as_of",
            "changed_at",
            "trigger",
        ]
        read_only_fields = fields


class HealthRecordLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    on = serializers.DateField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True)
    resolved = serializers.BooleanField()


class HealthFactorLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    raw = serializers.FloatField()
    weight = serializers.FloatField()
    half_life_days = serializers.IntegerField(allow_null=True)
    cap = serializers.FloatField(allow_null=True)
    decayed = serializers.FloatField()
    contribution = serializers.FloatField()
    capped = serializers.BooleanField()
    veto = serializers.BooleanField()
    remedy = serializers.CharField()
    records_total = serializers.IntegerField()
    records = HealthRecordLineSerializer(many=True)


class HealthCodeExplanationSerializer(serializers.Serializer):
    code = HealthCodeSerializer()
    factors = HealthFactorLineSerializer(many=True)
    top_records = serializers.SerializerMethodField()
    path_to_green = serializers.SerializerMethodField()

    def get_top_records(self, explanation) -> list[dict]:
        return [
            {"factor": line.name, **HealthRecordLineSerializer(record).data}
            for line, record in explanation.top_records
        ]

    def get_path_to_green(self, explanation) -> dict | None:
        path = explanation.path
        if path is None:
            return None
        return {
            "steps": [
                {
                    "factor": step.name,
                    "remedy": step.remedy,
                    "points": step.contribution,
                }
                for step in path.steps
            ],
            "green_on": path.green_on.isoformat() if path.green_on else None,
            "blocked_by": path.blocked_by,
        }


class HealthCodeViewSet(viewsets.ReadOnlyModelViewSet):
    """Health codes in scope, looked up by enterprise id. An enterprise user
    sees their own code and its reasons."""

    serializer_class = HealthCodeSerializer
    lookup_field = "enterprise"
    filterset_fields = ["colour", "enterprise__street"]
    ordering_fields = ["score", "computed_at"]

    def get_queryset(self):
        return selectors.health_code_list(user=self.request.user)

    @extend_schema(responses=HealthCodeExplanationSerializer)
    @action(detail=True, methods=["get"])
    def explanation(self, request, enterprise=None):
        """Why: every factor with its records, the records that weigh most, and
        what would bring the code back to green."""
        explanation = selectors.health_code_explain(code=self.get_object())
        return Response(HealthCodeExplanationSerializer(explanation).data)

    @extend_schema(responses=HealthCodeChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, enterprise=None):
        code = self.get_object()
        changes = selectors.health_code_history(enterprise=code.enterprise)[:200]
        return Response(HealthCodeChangeSerializer(changes, many=True).data)


class HealthOverviewView(APIView):
    """Counts by colour and by street, and this week's colour changes."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        responses=inline_serializer(
            "HealthOverview",
            {
                "total": serializers.IntegerField(),
                "not_computed": serializers.IntegerField(),
                "by_colour": serializers.DictField(child=serializers.IntegerField()),
                "by_street": serializers.ListField(child=serializers.DictField()),
                "movers": HealthCodeChangeSerializer(many=True),
            },
        )
    )
    def get(self, request):
        overview = selectors.health_overview(user=request.user)
        return Response(
            {
                "total": overview["total"],
                "not_computed": overview["not_computed"],
                "by_colour": overview["by_colour"],
                "by_street": overview["by_street"],
                "movers": HealthCodeChangeSerializer(
                    overview["movers"], many=True
                ).data,
            }
        )


class RiskModelFactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskModelFactor
        fields = ["factor", "weight", "half_life_days", "cap", "veto_at"]


class RiskTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskTier
        fields = ["colour", "inspections_per_year", "sampling_ratio"]


class RiskModelSerializer(serializers.ModelSerializer):
    factors = RiskModelFactorSerializer(many=True, read_only=True)
    tiers = RiskTierSerializer(many=True, read_only=True)

    class Meta:
        model = RiskModel
        fields = [
            "id",
            "version",
            "name",
            "note",
            "yellow_from",
            "red_from",
            "is_active",
            "created_at",
            "factors",
            "tiers",
        ]
        read_only_fields = fields


class RiskFactorInputSerializer(serializers.Serializer):
    factor = serializers.CharField()
    weight = serializers.CharField(help_text="points per unit, at least 0")
    half_life_days = serializers.IntegerField(required=False, allow_null=True)
    cap = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    veto_at = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class RiskTierInputSerializer(serializers.Serializer):
    colour = serializers.CharField()
    inspections_per_year = serializers.CharField()
    sampling_ratio = serializers.CharField()


class RiskModelCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    yellow_from = serializers.CharField()
    red_from = serializers.CharField()
    factors = RiskFactorInputSerializer(many=True)
    tiers = RiskTierInputSerializer(many=True)


class RiskModelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Risk model versions. Posting one publishes a new version and makes it
    active (bureau administrators); versions are never edited."""

    serializer_class = RiskModelSerializer
    permission_classes = [IsStaffMember]
    queryset = RiskModel.objects.prefetch_related("factors", "tiers")

    def get_permissions(self):
        if self.action == "create":
            return [IsBureauAdmin()]
        return super().get_permissions()

    @extend_schema(
        request=RiskModelCreateSerializer, responses={201: RiskModelSerializer}
    )
    def create(self, request):
        data = RiskModelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        model = services.risk_model_create(user=request.user, **data.validated_data)
        model = self.get_queryset().get(pk=model.pk)
        return Response(RiskModelSerializer(model).data, status=status.HTTP_201_CREATED)


class RecomputeRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "status",
            "trigger",
            "model",
            "as_of",
            "started_at",
            "updated_at",
            "finished_at",
            "total",
            "done",
            "percent",
            "changed",
            "error",
        ]
        read_only_fields = fields


class RecomputeRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Progress of full recomputes (bureau staff); POST starts one (admins)."""

    serializer_class = RecomputeRunSerializer
    permission_classes = [IsBureauStaff]
    queryset = RecomputeRun.objects.all()

    def get_permissions(self):
        if self.action == "create":
            return [IsBureauAdmin()]
        return super().get_permissions()

    @extend_schema(request=None, responses={202: None})
    def create(self, request):
        from enforcement.tasks import health_codes_recompute_manual

        health_codes_recompute_manual.delay()
        return Response(status=status.HTTP_202_ACCEPTED)
