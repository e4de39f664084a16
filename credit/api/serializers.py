from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import ScopedFileField, ScopedPrimaryKeyRelatedField
from credit.models import (
    Appeal,
    Colour,
    CreditCode,
    Cycle,
    Evaluation,
    NightWorkApplication,
    Objection,
    RepairRequest,
    ReplyStatement,
    Scheme,
    SchemeItem,
)
from credit.selectors import PUBLIC_FIELDS
from grid.models import District, Street


class SchemeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchemeItem
        fields = [
            "code",
            "group",
            "text",
            "weight",
            "evidence_required",
            "evidence_hint",
            "is_veto",
            "allow_not_applicable",
            "order",
        ]
        read_only_fields = fields


class SchemeSerializer(serializers.ModelSerializer):
    items = SchemeItemSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = [
            "id",
            "sector",
            "version",
            "name",
            "description",
            "rule",
            "requirements",
            "notice_days",
            "appeal_days",
            "validity_days",
            "is_active",
            "items",
        ]
        read_only_fields = fields


class CycleSerializer(serializers.ModelSerializer):
    evaluation_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Cycle
        fields = [
            "id",
            "scheme",
            "district",
            "streets",
            "name",
            "period_start",
            "period_end",
            "self_assessment_due",
            "notice_days",
            "appeal_days",
            "valid_until",
            "state",
            "notice_started_at",
            "notice_ends_at",
            "published_at",
            "evaluation_count",
        ]
        read_only_fields = fields


class CycleOpenSerializer(serializers.Serializer):
    scheme = serializers.PrimaryKeyRelatedField(
        queryset=Scheme.objects.all(), label=_("scheme")
    )
    district = ScopedPrimaryKeyRelatedField(
        queryset=District.objects.all(), label=_("district")
    )
    streets = ScopedPrimaryKeyRelatedField(
        queryset=Street.objects.all(), many=True, required=False, default=list
    )
    name = serializers.CharField(max_length=150)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    self_assessment_due = serializers.DateTimeField()
    notice_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    appeal_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    valid_until = serializers.DateField(required=False)


class EvaluationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    cycle_name = serializers.CharField(source="cycle.name", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "cycle",
            "cycle_name",
            "enterprise",
            "enterprise_name",
            "submitted_at",
            "self_score",
            "veto_failed",
            "no_self_assessment",
            "factor_values",
            "score",
            "reasons",
            "preliminary_colour",
            "proposed_colour",
            "adjustment_reason",
            "final_colour",
        ]
        read_only_fields = fields


class SelfAssessmentSerializer(serializers.Serializer):
    answers = serializers.JSONField(
        help_text=_(
            'Item code → {"value": "yes"|"no"|"na", "note": ""}. Evidence files go in '
            "multipart fields named evidence_<code>."
        )
    )

    def validate_answers(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(
                _("Expected an object keyed by item code.")
            )
        return value


class AdjustSerializer(serializers.Serializer):
    colour = serializers.ChoiceField(choices=Colour.choices)
    reason = serializers.CharField()


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "evaluation", "text", "state", "resolution", "created_at"]
        read_only_fields = ["id", "evaluation", "state", "resolution", "created_at"]


class ObjectionResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    resolution = serializers.CharField()
    colour = serializers.ChoiceField(
        choices=Colour.choices, required=False, allow_blank=True, default=""
    )


class CreditCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditCode
        fields = [
            "id",
            "enterprise",
            "colour",
            "source",
            "evaluation",
            "valid_from",
            "valid_until",
            "reason",
            "is_current",
            "superseded_at",
        ]
        read_only_fields = fields


class AppealSerializer(serializers.ModelSerializer):
    evidence = ScopedFileField(view_name="credit:appeal-evidence", required=False)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "enterprise",
            "code",
            "reason",
            "evidence",
            "evidence_sha256",
            "state",
            "decision_reason",
            "new_colour",
            "decided_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "code",
            "evidence_sha256",
            "state",
            "decision_reason",
            "new_colour",
            "decided_at",
            "created_at",
        ]


class DecisionSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    new_colour = serializers.ChoiceField(
        choices=Colour.choices, required=False, allow_blank=True, default=""
    )


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReplyStatement
        fields = [
            "id",
            "enterprise",
            "text",
            "state",
            "moderation_reason",
            "created_at",
        ]
        read_only_fields = ["id", "state", "moderation_reason", "created_at"]


class ModerationSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RepairSerializer(serializers.ModelSerializer):
    evidence = ScopedFileField(view_name="credit:repair-evidence")

    class Meta:
        model = RepairRequest
        fields = [
            "id",
            "enterprise",
            "code",
            "corrective_actions",
            "evidence",
            "evidence_sha256",
            "state",
            "inspection_due",
            "inspection_findings",
            "new_colour",
            "decided_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "code",
            "evidence_sha256",
            "state",
            "inspection_due",
            "inspection_findings",
            "new_colour",
            "decided_at",
            "created_at",
        ]


class RepairScheduleSerializer(serializers.Serializer):
    inspection_due = serializers.DateField()


class RepairVerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    findings = serializers.CharField()
    new_colour = serializers.ChoiceField(
        choices=Colour.choices, required=False, allow_blank=True, default=""
    )


class NightWorkSerializer(serializers.ModelSerializer):
    class Meta:
        model = NightWorkApplication
        fields = [
            "id",
            "enterprise",
            "work_date",
            "starts_at",
            "ends_at",
            "works",
            "noise_measures",
            "colour_at_filing",
            "state",
            "review_due",
            "decided_at",
            "reason",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "colour_at_filing",
            "state",
            "review_due",
            "decided_at",
            "reason",
            "created_at",
        ]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PublicProfileSerializer(serializers.Serializer):
    """Exactly the whitelisted public fields."""

    name = serializers.CharField()
    address = serializers.CharField()
    sector = serializers.CharField()
    street = serializers.CharField()
    property_manager = serializers.CharField()
    person_in_charge = serializers.CharField()
    colour = serializers.CharField()
    colour_label = serializers.CharField()
    colour_meaning = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    expired = serializers.BooleanField()
    requirements = serializers.ListField(child=serializers.CharField())
    reply = serializers.CharField()
    under_appeal = serializers.BooleanField()
    sticker_issued_at = serializers.DateField()
    outdated = serializers.BooleanField()
    outdated_since = serializers.DateField(allow_null=True)
    hotline = serializers.CharField()


assert set(PublicProfileSerializer().fields) == set(PUBLIC_FIELDS)


class PublishedResultSerializer(serializers.Serializer):
    name = serializers.CharField(source="enterprise__name")
    address = serializers.CharField(source="enterprise__address")
    sector = serializers.CharField(source="enterprise__sector")
    street = serializers.CharField(source="enterprise__street__name")
    colour = serializers.CharField()
