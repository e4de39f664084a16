"""API of joint enforcement: cases, invitations, actions (GPS check-in), measures
(sign, co-sign, amend), re-checks and evidence. Every queryset is the caller's
scope: an invited partner sees its cases and nothing else (404 elsewhere)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.fields import ScopedPrimaryKeyRelatedField
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from core.uploads import EVIDENCE_TYPES, download_response
from enforcement import selectors, services
from enforcement.models import (
    Enterprise,
    Inspection,
    JointAction,
    JointCase,
    JointEvidence,
    JointInvitation,
    JointMeasure,
    JointParticipant,
    JointRecheck,
    JointSignature,
    JointTimelineEntry,
)
from grid.models import Agency

# ------------------------------------------------------------------ serializers


class JointCaseSerializer(serializers.ModelSerializer):
    lead_agency_name = serializers.CharField(source="lead_agency.name", read_only=True)
    place = serializers.CharField(read_only=True)

    class Meta:
        model = JointCase
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "origin",
            "origin_reference",
            "enterprise",
            "site_name",
            "place",
            "address",
            "lon",
            "lat",
            "street",
            "lead_agency",
            "lead_agency_name",
            "status",
            "shared_sections",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class JointCaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    origin = serializers.ChoiceField(choices=JointCase.Origin.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    origin_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True
    )
    site_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    address = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    lon = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    lat = serializers.FloatField(
        required=False, allow_null=True, min_value=-90, max_value=90
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(
            request.user if request else None
        )


class JointSectionsSerializer(serializers.Serializer):
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=JointCase.Section.choices),
        allow_empty=True,
    )


class JointNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class JointTimelineEntrySerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(
        source="agency.name", read_only=True, default=""
    )
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = JointTimelineEntry
        fields = ["id", "at", "kind", "text", "agency", "agency_name", "actor_name"]
        read_only_fields = fields

    def get_actor_name(self, entry) -> str:
        actor = entry.actor
        return (actor.get_full_name() or actor.get_username()) if actor else ""


class JointInvitationSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = JointInvitation
        fields = [
            "id",
            "case",
            "case_reference",
            "case_title",
            "agency",
            "agency_name",
            "purpose",
            "needs",
            "proposed_start",
            "place",
            "status",
            "is_cross_jurisdiction",
            "sent_at",
            "expires_at",
            "responded_at",
            "decline_reason",
            "counter_start",
            "counter_note",
            "created_at",
        ]
        read_only_fields = fields


class JointInvitationCreateSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=JointCase.objects.none())
    agency = serializers.IntegerField(
        help_text="id of a street office of the lead's district, or of a partner "
        "bureau of another jurisdiction"
    )
    purpose = serializers.CharField()
    needs = serializers.CharField(required=False, allow_blank=True, default="")
    proposed_start = serializers.DateTimeField()
    place = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["case"].queryset = JointCase.objects.for_user(
            request.user if request else None
        )


class JointReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class JointProposeTimeSerializer(serializers.Serializer):
    proposed_start = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class JointParticipantSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = JointParticipant
        fields = [
            "id",
            "user",
            "user_name",
            "agency",
            "agency_name",
            "checked_in_at",
            "lon",
            "lat",
            "accuracy_m",
            "distance_m",
            "is_far",
        ]
        read_only_fields = fields

    def get_user_name(self, participant) -> str:
        return participant.user.get_full_name() or participant.user.get_username()


class JointSignatureSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = JointSignature
        fields = [
            "id",
            "role",
            "agency",
            "agency_name",
            "signed_by",
            "signed_at",
            "content_sha256",
        ]
        read_only_fields = fields


class JointActionSerializer(serializers.ModelSerializer):
    participants = JointParticipantSerializer(many=True, read_only=True)
    signatures = JointSignatureSerializer(many=True, read_only=True)

    class Meta:
        model = JointAction
        fields = [
            "id",
            "case",
            "starts_at",
            "place",
            "findings",
            "status",
            "participants",
            "signatures",
            "created_at",
        ]
        read_only_fields = fields


class JointActionCreateSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=JointCase.objects.none())
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["case"].queryset = JointCase.objects.for_user(
            request.user if request else None
        )


class JointFindingsSerializer(serializers.Serializer):
    findings = serializers.CharField(allow_blank=True)
    place = serializers.CharField(required=False, max_length=300)


class JointCheckInSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)


class JointMeasureSerializer(serializers.ModelSerializer):
    issuing_agency_name = serializers.CharField(
        source="issuing_agency.name", read_only=True
    )
    signatures = JointSignatureSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeasure
        fields = [
            "id",
            "case",
            "action",
            "kind",
            "issuing_agency",
            "issuing_agency_name",
            "summary",
            "attendees",
            "minutes",
            "halt_scope",
            "halt_from",
            "halt_until",
            "deadline",
            "referred_to",
            "status",
            "issued_on",
            "amends",
            "verified_at",
            "verification_note",
            "signatures",
            "created_at",
        ]
        read_only_fields = fields


class JointMeasureContentSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    attendees = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False
    )
    minutes = serializers.CharField(required=False, allow_blank=True)
    halt_scope = serializers.CharField(required=False, allow_blank=True, max_length=300)
    halt_from = serializers.DateField(required=False, allow_null=True)
    halt_until = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    referred_to = serializers.CharField(
        required=False, allow_blank=True, max_length=200
    )


class JointMeasureCreateSerializer(JointMeasureContentSerializer):
    action = serializers.PrimaryKeyRelatedField(queryset=JointAction.objects.none())
    kind = serializers.ChoiceField(choices=JointMeasure.Kind.choices)
    issuing_agency = ScopedPrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        help_text="id of the agency that issues and signs the measure (required)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["action"].queryset = JointAction.objects.for_user(
            request.user if request else None
        )


class JointVerifySerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class JointRecheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = JointRecheck
        fields = [
            "id",
            "case",
            "measure",
            "due_on",
            "status",
            "ticket",
            "inspection",
            "escalated_at",
            "outcome",
            "done_at",
        ]
        read_only_fields = fields


class JointRecheckRecordSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    outcome = serializers.CharField(allow_blank=True)
    inspection = serializers.PrimaryKeyRelatedField(
        queryset=Inspection.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["inspection"].queryset = Inspection.objects.for_user(
            request.user if request else None
        )


class JointEvidenceSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = JointEvidence
        fields = [
            "id",
            "case",
            "action",
            "agency",
            "agency_name",
            "original_name",
            "content_type",
            "size_bytes",
            "sha256",
            "note",
            "uploaded_at",
        ]
        read_only_fields = fields


class JointEvidenceUploadSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=JointCase.objects.none())
    action = serializers.PrimaryKeyRelatedField(
        queryset=JointAction.objects.none(), required=False, allow_null=True
    )
    file = serializers.FileField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["case"].queryset = JointCase.objects.for_user(user)
        self.fields["action"].queryset = JointAction.objects.for_user(user)


def _valid(serializer_class, request, **kwargs) -> dict:
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# ------------------------------------------------------------------- viewsets


class JointCaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Joint cases in the caller's scope; staff open one for their agency."""

    serializer_class = JointCaseSerializer
    filterset_fields = ["status", "origin"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.joint_case_list(user=self.request.user)

    @extend_schema(
        request=JointCaseCreateSerializer, responses={201: JointCaseSerializer}
    )
    def create(self, request):
        case = services.joint_case_open(
            user=request.user, **_valid(JointCaseCreateSerializer, request)
        )
        return Response(JointCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=JointNoteSerializer, responses=JointCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the case (every measure verified); it stays readable."""
        case = services.joint_case_close(
            case=self.get_object(),
            user=request.user,
            **_valid(JointNoteSerializer, request),
        )
        return Response(JointCaseSerializer(case).data)

    @extend_schema(request=JointSectionsSerializer, responses=JointCaseSerializer)
    @action(detail=True, methods=["post"], url_path="share")
    def share(self, request, pk=None):
        """Share sections of the enterprise file with the invited agencies."""
        case = services.joint_case_share_sections(
            case=self.get_object(),
            user=request.user,
            **_valid(JointSectionsSerializer, request),
        )
        return Response(JointCaseSerializer(case).data)

    @extend_schema(responses=JointTimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        """The shared timeline of the case."""
        case = self.get_object()
        entries = case.timeline_entries.select_related("actor", "agency").order_by(
            "at", "id"
        )
        return Response(JointTimelineEntrySerializer(entries, many=True).data)


class JointInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Invitations: those of the caller's cases and those sent to the caller's
    agencies (the inbox). Answers by the invited agency; approval by the lead's
    team leader for another jurisdiction."""

    serializer_class = JointInvitationSerializer
    filterset_fields = ["status", "agency", "case"]
    ordering_fields = ["created_at", "proposed_start"]

    def get_queryset(self):
        return selectors.joint_invitation_list(user=self.request.user)

    def _answer(self, request, **kwargs):
        invitation = services.joint_invitation_answer(
            invitation=self.get_object(), user=request.user, **kwargs
        )
        return Response(JointInvitationSerializer(invitation).data)

    @extend_schema(
        request=JointInvitationCreateSerializer,
        responses={201: JointInvitationSerializer},
    )
    def create(self, request):
        data = _valid(JointInvitationCreateSerializer, request)
        invitation = services.joint_invitation_create(
            case=data.pop("case"),
            user=request.user,
            agency_id=data.pop("agency"),
            **data,
        )
        return Response(
            JointInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        invitation = services.joint_invitation_approve(
            invitation=self.get_object(), user=request.user, approve=True
        )
        return Response(JointInvitationSerializer(invitation).data)

    @extend_schema(request=JointReasonSerializer, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-approval")
    def refuse_approval(self, request, pk=None):
        invitation = services.joint_invitation_approve(
            invitation=self.get_object(),
            user=request.user,
            approve=False,
            **_valid(JointReasonSerializer, request),
        )
        return Response(JointInvitationSerializer(invitation).data)

    @extend_schema(request=None, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(request, answer="accept")

    @extend_schema(request=JointReasonSerializer, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(
            request, answer="decline", **_valid(JointReasonSerializer, request)
        )

    @extend_schema(
        request=JointProposeTimeSerializer, responses=JointInvitationSerializer
    )
    @action(detail=True, methods=["post"], url_path="propose-time")
    def propose_time(self, request, pk=None):
        return self._answer(
            request, answer="propose", **_valid(JointProposeTimeSerializer, request)
        )

    @extend_schema(request=None, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"], url_path="agree-time")
    def agree_time(self, request, pk=None):
        invitation = services.joint_invitation_settle_time(
            invitation=self.get_object(), user=request.user, agree=True
        )
        return Response(JointInvitationSerializer(invitation).data)

    @extend_schema(request=None, responses=JointInvitationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        invitation = services.joint_invitation_settle_time(
            invitation=self.get_object(), user=request.user, agree=False
        )
        return Response(JointInvitationSerializer(invitation).data)


class JointActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Joint actions of the caller's cases; check-in from the phone."""

    serializer_class = JointActionSerializer
    filterset_fields = ["case", "status"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return selectors.joint_action_list(user=self.request.user).prefetch_related(
            "participants__user", "participants__agency", "signatures__agency"
        )

    def _show(self, action_obj, code=status.HTTP_200_OK):
        action_obj = self.get_queryset().get(pk=action_obj.pk)
        return Response(JointActionSerializer(action_obj).data, status=code)

    @extend_schema(
        request=JointActionCreateSerializer, responses={201: JointActionSerializer}
    )
    def create(self, request):
        data = _valid(JointActionCreateSerializer, request)
        created = services.joint_action_schedule(user=request.user, **data)
        return self._show(created, status.HTTP_201_CREATED)

    @extend_schema(
        request=JointCheckInSerializer,
        responses={201: JointParticipantSerializer, 200: JointParticipantSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    @idempotent
    def check_in(self, request, pk=None):
        """Check in with the phone's GPS; far from the site is flagged, not
        refused (``is_far``)."""
        participant, created = services.joint_action_check_in(
            action=self.get_object(),
            user=request.user,
            **_valid(JointCheckInSerializer, request),
        )
        return Response(
            JointParticipantSerializer(participant).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=JointFindingsSerializer, responses=JointActionSerializer)
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        updated = services.joint_action_record_findings(
            action=self.get_object(),
            user=request.user,
            **_valid(JointFindingsSerializer, request),
        )
        return self._show(updated)

    @extend_schema(request=None, responses=JointActionSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._show(
            services.joint_action_sign(action=self.get_object(), user=request.user)
        )

    @extend_schema(request=None, responses=JointActionSerializer)
    @action(detail=True, methods=["post"], url_path="co-sign")
    def co_sign(self, request, pk=None):
        return self._show(
            services.joint_action_co_sign(action=self.get_object(), user=request.user)
        )


class JointMeasureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Measures of joint actions. A draft is edited (PATCH); once signed it
    changes only by an amendment (a new measure linked to it)."""

    serializer_class = JointMeasureSerializer
    filterset_fields = ["case", "kind", "status"]
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.joint_measure_list(user=self.request.user).prefetch_related(
            "signatures__agency"
        )

    def _show(self, measure, code=status.HTTP_200_OK):
        measure = self.get_queryset().get(pk=measure.pk)
        return Response(JointMeasureSerializer(measure).data, status=code)

    @extend_schema(
        request=JointMeasureCreateSerializer, responses={201: JointMeasureSerializer}
    )
    def create(self, request):
        data = _valid(JointMeasureCreateSerializer, request)
        measure = services.joint_measure_create(
            action=data.pop("action"),
            user=request.user,
            kind=data.pop("kind"),
            issuing_agency=getattr(data.pop("issuing_agency", None), "pk", None),
            **data,
        )
        return self._show(measure, status.HTTP_201_CREATED)

    @extend_schema(
        request=JointMeasureContentSerializer, responses=JointMeasureSerializer
    )
    def partial_update(self, request, pk=None):
        """Edit a draft; a signed measure answers 409 (amend it instead)."""
        measure = services.joint_measure_update(
            measure=self.get_object(),
            user=request.user,
            **_valid(JointMeasureContentSerializer, request),
        )
        return self._show(measure)

    @extend_schema(request=None, responses=JointMeasureSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._show(
            services.joint_measure_sign(measure=self.get_object(), user=request.user)
        )

    @extend_schema(request=None, responses=JointMeasureSerializer)
    @action(detail=True, methods=["post"], url_path="co-sign")
    def co_sign(self, request, pk=None):
        return self._show(
            services.joint_measure_co_sign(measure=self.get_object(), user=request.user)
        )

    @extend_schema(
        request=JointMeasureContentSerializer, responses={201: JointMeasureSerializer}
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """A new draft linked to this signed measure; signing it supersedes it."""
        measure = services.joint_measure_amend(
            measure=self.get_object(),
            user=request.user,
            **_valid(JointMeasureContentSerializer, request),
        )
        return self._show(measure, status.HTTP_201_CREATED)

    @extend_schema(request=JointVerifySerializer, responses=JointMeasureSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._show(
            services.joint_measure_verify(
                measure=self.get_object(),
                user=request.user,
                **_valid(JointVerifySerializer, request),
            )
        )


class JointRecheckViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Re-check tasks of rectification orders (one per order)."""

    serializer_class = JointRecheckSerializer
    filterset_fields = ["case", "status"]
    ordering_fields = ["due_on"]

    def get_queryset(self):
        return selectors.joint_recheck_list(user=self.request.user)

    @extend_schema(
        request=JointRecheckRecordSerializer, responses=JointRecheckSerializer
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        recheck = services.joint_recheck_record(
            recheck=self.get_object(),
            user=request.user,
            **_valid(JointRecheckRecordSerializer, request),
        )
        return Response(JointRecheckSerializer(recheck).data)


class JointEvidenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Evidence of the caller's cases; uploaded from the phone."""

    serializer_class = JointEvidenceSerializer
    filterset_fields = ["case", "action"]

    def get_queryset(self):
        return selectors.joint_evidence_list(user=self.request.user)

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        request={"multipart/form-data": JointEvidenceUploadSerializer},
        responses={201: JointEvidenceSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def create(self, request):
        data = _valid(JointEvidenceUploadSerializer, request)
        evidence = services.joint_evidence_upload(user=request.user, **data)
        return Response(
            JointEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        responses={(200, kind): OpenApiTypes.BINARY for kind in sorted(EVIDENCE_TYPES)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        evidence = self.get_object()
        return download_response(
            name=evidence.file.name,
            content_type=evidence.content_type,
            filename=evidence.original_name or "evidence",
        )
