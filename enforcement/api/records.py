"""API of the enforcement record: checklists, inspections (with photos and an
Idempotency-Key), violations, penalty decisions and rectification orders."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api.fields import ScopedFileField, ScopedPrimaryKeyRelatedField
from core.errors import InvalidInput
from enforcement import selectors, services
from enforcement.models import (
    ChecklistItem,
    ChecklistTemplate,
    Enterprise,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    PenaltyDecision,
    PlanTarget,
    RectificationOrder,
    Violation,
)
from grid.permissions import IsBureauStaff
from grid.selectors import user_scope


class IsStaffMember(BasePermission):
    """Bureau or street-office staff."""

    def has_permission(self, request, view) -> bool:
        return user_scope(user=request.user).is_staff_member


# ------------------------------------------------------------------ checklists


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "position",
            "code",
            "question",
            "kind",
            "compliant_answer",
            "limit_max",
            "unit",
            "legal_basis",
            "is_required",
            "is_major",
        ]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "domain", "version", "title", "is_active", "items"]
        read_only_fields = fields


class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """Checklist templates; the active version of each domain by default
    (``?all=1`` lists old versions too)."""

    serializer_class = ChecklistTemplateSerializer
    filterset_fields = ["domain"]

    def get_queryset(self):
        active_only = self.action == "list" and not self.request.query_params.get("all")
        return selectors.checklist_template_list(active_only=active_only)


# ----------------------------------------------------------------- inspections


class InspectionAnswerSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = InspectionAnswer
        fields = [
            "item",
            "item_code",
            "value_bool",
            "value_number",
            "value_text",
            "is_compliant",
        ]
        read_only_fields = fields


class InspectionPhotoSerializer(serializers.ModelSerializer):
    file = ScopedFileField(view_name="enforcement:inspection-photo", read_only=True)

    class Meta:
        model = InspectionPhoto
        fields = [
            "id",
            "inspection",
            "item",
            "sha256",
            "size_bytes",
            "content_type",
            "uploaded_at",
            "file",
        ]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    officers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "template",
            "inspected_on",
            "officers",
            "result",
            "findings",
            "lon",
            "lat",
            "representative_name",
            "representative_signed_at",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    answers = InspectionAnswerSerializer(many=True, read_only=True)
    photos = InspectionPhotoSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "answers", "photos"]
        read_only_fields = fields


class ChecklistAnswerInputSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="item code (or id)")
    value = serializers.JSONField(
        help_text="yes/no: true/false; number: a number; text: a string; "
        "photo: a list of uploaded photo ids"
    )


class InspectionCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    template = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistTemplate.objects.all()
    )
    plan_target = serializers.PrimaryKeyRelatedField(
        queryset=PlanTarget.objects.none(), required=False, allow_null=True
    )
    inspected_on = serializers.DateField()
    officers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=get_user_model().objects.filter(is_active=True)
    )
    result = serializers.ChoiceField(choices=Inspection.Result.choices)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    answers = ChecklistAnswerInputSerializer(many=True, required=False, default=list)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    photo_ids = ScopedPrimaryKeyRelatedField(
        queryset=InspectionPhoto.objects.all(), many=True, required=False, default=list
    )
    representative_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    representative_signed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user)
        self.fields["plan_target"].queryset = PlanTarget.objects.filter(
            plan__in=selectors.plan_list(user=user)
        )

    def validate_photo_ids(self, photos) -> list[int]:
        return [photo.pk for photo in photos]

    def to_internal_value(self, data):
        # Answer values keep their JSON type (true vs "true" matters to the
        # checklist); DRF's nested serializer would hand them through as they are.
        value = super().to_internal_value(data)
        value["answers"] = [
            {"item": raw.get("item"), "value": raw.get("value")}
            for raw in (data.get("answers") or [])
            if isinstance(raw, dict)
        ]
        return value


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe submission: the same key returns the first result.",
)


class InspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Inspections in the user's scope; staff record new ones."""

    filterset_fields = ["enterprise", "result", "template"]
    ordering_fields = ["inspected_on", "created_at"]

    def get_queryset(self):
        queryset = selectors.inspection_list(user=self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("answers__item", "photos")
        return queryset

    def get_serializer_class(self):
        return (
            InspectionDetailSerializer
            if self.action == "retrieve"
            else InspectionSerializer
        )

    def get_permissions(self):
        if self.action == "create":
            return [IsStaffMember()]
        return super().get_permissions()

    @extend_schema(
        request=InspectionCreateSerializer,
        responses={201: InspectionDetailSerializer, 200: InspectionDetailSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 80:
            raise InvalidInput(
                fields={"Idempotency-Key": [_("At most 80 characters.")]}
            )
        data = InspectionCreateSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        inspection, created = services.inspection_record(
            recorded_by=request.user, idempotency_key=key, **data.validated_data
        )
        inspection = selectors.inspection_get(user=request.user, pk=inspection.pk)
        response = Response(
            InspectionDetailSerializer(inspection, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class InspectionPhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem.objects.all(), required=False, allow_null=True
    )


class InspectionPhotoViewSet(viewsets.GenericViewSet):
    """Photos are uploaded one by one before the inspection is submitted; the
    SHA-256 is computed on arrival."""

    serializer_class = InspectionPhotoSerializer
    permission_classes = [IsStaffMember]
    parser_classes = [MultiPartParser]
    queryset = InspectionPhoto.objects.none()

    @extend_schema(
        request={"multipart/form-data": InspectionPhotoUploadSerializer},
        responses={201: InspectionPhotoSerializer},
    )
    def create(self, request):
        data = InspectionPhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.inspection_photo_upload(
            user=request.user,
            upload=data.validated_data["file"],
            item=data.validated_data.get("item"),
        )
        return Response(
            InspectionPhotoSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# ------------------------------------------------------------ cases


class RectificationOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationOrder
        fields = [
            "id",
            "penalty",
            "enterprise",
            "issued_on",
            "deadline",
            "requirements",
            "status",
            "recheck_inspection",
            "outcome",
            "closed_on",
        ]
        read_only_fields = fields


class PenaltyDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PenaltyDecision
        fields = [
            "id",
            "violation",
            "enterprise",
            "decision_number",
            "decided_on",
            "amount_yuan",
            "measures",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class ViolationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    penalty = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Violation
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "inspection",
            "found_on",
            "law_article",
            "description",
            "severity",
            "status",
            "penalty",
            "created_at",
        ]
        read_only_fields = fields


class ViolationCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    inspection = serializers.PrimaryKeyRelatedField(
        queryset=Inspection.objects.none(), required=False, allow_null=True
    )
    found_on = serializers.DateField()
    law_article = serializers.CharField(max_length=200)
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Violation.Severity.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user)
        self.fields["inspection"].queryset = Inspection.objects.for_user(user)


class CaseReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class PenaltyDecideSerializer(serializers.Serializer):
    decision_number = serializers.CharField(max_length=60, allow_blank=True)
    decided_on = serializers.DateField()
    amount_yuan = serializers.DecimalField(max_digits=14, decimal_places=2)
    measures = serializers.ListField(child=serializers.CharField())
    rectification_deadline = serializers.DateField(required=False, allow_null=True)
    rectification_requirements = serializers.CharField(
        required=False, allow_blank=True, default=""
    )


class PenaltyExecuteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ViolationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Violations; a penalty is decided on one (bureau staff)."""

    serializer_class = ViolationSerializer
    filterset_fields = ["enterprise", "status", "severity"]

    def get_queryset(self):
        return selectors.violation_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("create", "dismiss", "penalty"):
            return [IsBureauStaff()]
        return super().get_permissions()

    @extend_schema(
        request=ViolationCreateSerializer, responses={201: ViolationSerializer}
    )
    def create(self, request):
        data = ViolationCreateSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        violation = services.violation_record(user=request.user, **data.validated_data)
        return Response(
            ViolationSerializer(violation).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CaseReasonSerializer, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        data = CaseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        violation = services.violation_dismiss(
            violation=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(ViolationSerializer(violation).data)

    @extend_schema(
        request=PenaltyDecideSerializer, responses={201: PenaltyDecisionSerializer}
    )
    @action(detail=True, methods=["post"])
    def penalty(self, request, pk=None):
        """Issue the penalty decision (and optionally a rectification order)."""
        violation = self.get_object()
        data = PenaltyDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        penalty = services.penalty_decide(
            violation=violation, user=request.user, **data.validated_data
        )
        return Response(
            PenaltyDecisionSerializer(penalty).data, status=status.HTTP_201_CREATED
        )


class PenaltyDecisionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PenaltyDecisionSerializer
    filterset_fields = ["enterprise", "status"]
    ordering_fields = ["decided_on"]

    def get_queryset(self):
        return selectors.penalty_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("execute", "revoke"):
            return [IsBureauStaff()]
        return super().get_permissions()

    @extend_schema(
        request=PenaltyExecuteSerializer, responses=PenaltyDecisionSerializer
    )
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        data = PenaltyExecuteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        penalty = services.penalty_execute(
            penalty=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(PenaltyDecisionSerializer(penalty).data)

    @extend_schema(request=CaseReasonSerializer, responses=PenaltyDecisionSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = CaseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        penalty = services.penalty_revoke(
            penalty=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(PenaltyDecisionSerializer(penalty).data)


class RectificationCreateSerializer(serializers.Serializer):
    penalty = serializers.PrimaryKeyRelatedField(
        queryset=PenaltyDecision.objects.none()
    )
    deadline = serializers.DateField()
    requirements = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["penalty"].queryset = PenaltyDecision.objects.for_user(
            request.user if request else None
        )


class RectificationRecheckSerializer(serializers.Serializer):
    inspection = serializers.PrimaryKeyRelatedField(queryset=Inspection.objects.none())
    outcome = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["inspection"].queryset = Inspection.objects.for_user(
            request.user if request else None
        )


class RectificationOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RectificationOrderSerializer
    filterset_fields = ["enterprise", "status", "penalty"]
    ordering_fields = ["deadline"]

    def get_queryset(self):
        return selectors.rectification_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("create", "recheck"):
            return [IsBureauStaff()]
        return super().get_permissions()

    @extend_schema(
        request=RectificationCreateSerializer,
        responses={201: RectificationOrderSerializer},
    )
    def create(self, request):
        data = RectificationCreateSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        order = services.rectification_order_issue(
            user=request.user, **data.validated_data
        )
        return Response(
            RectificationOrderSerializer(order).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=RectificationRecheckSerializer, responses=RectificationOrderSerializer
    )
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """Record the re-check inspection: compliant passes, anything else fails."""
        data = RectificationRecheckSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        order = services.rectification_recheck(
            order=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(RectificationOrderSerializer(order).data)
