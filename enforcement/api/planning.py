"""API of inspection planning (双随机): plans, targets, the public verification,
recusals."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from enforcement import selectors, services
from enforcement.models import Enterprise, InspectionPlan, PlanTarget, Recusal
from grid.models import District, Street
from grid.permissions import IsBureauStaff


class InspectionPlanSerializer(serializers.ModelSerializer):
    seed = serializers.CharField(source="revealed_seed", read_only=True)
    streets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    model_version = serializers.IntegerField(source="model.version", read_only=True)
    target_count = serializers.IntegerField(read_only=True)
    inspected_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "name",
            "district",
            "period_start",
            "period_end",
            "streets",
            "sectors",
            "inspectors_per_target",
            "status",
            "model_version",
            "algorithm",
            "seed_sha256",
            "inputs_sha256",
            "seed",
            "quotas",
            "target_count",
            "inspected_count",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class InspectionPlanCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.none())
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    streets = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Street.objects.none(), required=False, default=list
    )
    sectors = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Sector.choices),
        required=False,
        default=list,
    )
    inspectors_per_target = serializers.IntegerField(required=False, default=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from grid.selectors import user_scope

        request = self.context.get("request")
        user = request.user if request else None
        scope = user_scope(user=user)
        districts = District.objects.for_user(user)
        if not scope.is_superuser:
            districts = districts.filter(pk__in=scope.district_ids)
        self.fields["district"].queryset = districts
        self.fields["streets"].child_relation.queryset = Street.objects.for_user(user)


class InspectionPlanTargetSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    inspectors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    result = serializers.CharField(
        source="inspection.result", read_only=True, default=None
    )

    class Meta:
        model = PlanTarget
        fields = [
            "id",
            "position",
            "enterprise",
            "enterprise_name",
            "colour",
            "inspectors",
            "inspection",
            "result",
        ]
        read_only_fields = fields


class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Random inspection plans. Creating one draws it (bureau staff); the
    seed appears in ``seed`` once the plan is closed."""

    serializer_class = InspectionPlanSerializer
    filterset_fields = ["status", "district"]

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user).prefetch_related("streets")

    def get_permissions(self):
        if self.action in ("create", "close"):
            return [IsBureauStaff()]
        return super().get_permissions()

    @extend_schema(
        request=InspectionPlanCreateSerializer,
        responses={201: InspectionPlanSerializer},
    )
    def create(self, request):
        data = InspectionPlanCreateSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        plan = services.plan_create(user=request.user, **data.validated_data)
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(
            InspectionPlanSerializer(plan).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=InspectionPlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close: reveal the seed and publish the results."""
        services.plan_close(plan=self.get_object(), user=request.user)
        return Response(InspectionPlanSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses=InspectionPlanTargetSerializer(many=True))
    @action(detail=True, methods=["get"])
    def targets(self, request, pk=None):
        targets = selectors.plan_targets(plan=self.get_object(), user=request.user)
        page = self.paginate_queryset(targets)
        return self.get_paginated_response(
            InspectionPlanTargetSerializer(page, many=True).data
        )

    @extend_schema(
        responses=inline_serializer(
            "PlanVerification",
            {
                "plan": serializers.IntegerField(),
                "status": serializers.CharField(),
                "algorithm": serializers.CharField(),
                "seed_sha256": serializers.CharField(),
                "inputs_sha256": serializers.CharField(),
                "seed": serializers.CharField(allow_null=True),
                "inputs": serializers.JSONField(allow_null=True),
                "seed_matches": serializers.BooleanField(allow_null=True),
                "inputs_match": serializers.BooleanField(allow_null=True),
                "list_matches": serializers.BooleanField(allow_null=True),
                "drawn": serializers.ListField(child=serializers.DictField()),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[AllowAny],
        authentication_classes=[],  # public: a stale token is not an error here
    )
    def verification(self, request, pk=None):
        """Public: the hashes; after closing, the seed, the inputs, the draw
        re-run now and the published results."""
        plan = selectors.plan_public_get(pk=pk)
        body = {
            "plan": plan.pk,
            "status": plan.status,
            "algorithm": plan.algorithm,
            "seed_sha256": plan.seed_sha256,
            "inputs_sha256": plan.inputs_sha256,
            "seed": None,
            "inputs": None,
            "seed_matches": None,
            "inputs_match": None,
            "list_matches": None,
            "drawn": [],
            "results": [],
        }
        if plan.status == InspectionPlan.Status.CLOSED:
            check = services.plan_verify(plan=plan)
            body.update(
                seed=plan.seed,
                inputs=plan.inputs,
                seed_matches=check.seed_matches,
                inputs_match=check.inputs_match,
                list_matches=check.list_matches,
                drawn=[
                    {
                        "enterprise": t.enterprise_id,
                        "colour": t.colour,
                        "inspectors": list(t.inspector_ids),
                    }
                    for t in check.drawn
                ],
                results=[
                    {
                        "position": target.position,
                        "enterprise": target.enterprise_id,
                        "enterprise_name": target.enterprise.name,
                        "inspected_on": target.inspection.inspected_on
                        if target.inspection
                        else None,
                        "result": target.inspection.result
                        if target.inspection
                        else None,
                    }
                    for target in plan.targets.all()
                ],
            )
        return Response(body)


class RecusalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recusal
        fields = ["id", "enterprise", "officer", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]


class RecusalCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    officer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    reason = serializers.CharField(allow_blank=True, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(
            request.user if request else None
        )


class RecusalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Officers recused from enterprises; the draw skips them (bureau staff)."""

    serializer_class = RecusalSerializer
    permission_classes = [IsBureauStaff]
    filterset_fields = ["enterprise", "officer"]

    def get_queryset(self):
        return selectors.recusal_list(user=self.request.user)

    @extend_schema(request=RecusalCreateSerializer, responses={201: RecusalSerializer})
    def create(self, request):
        data = RecusalCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        recusal = services.recusal_create(user=request.user, **data.validated_data)
        return Response(RecusalSerializer(recusal).data, status=status.HTTP_201_CREATED)
