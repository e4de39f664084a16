from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import ScopedPrimaryKeyRelatedField
from enforcement.models import Enterprise
from hazwaste.models import (
    AnomalyRule,
    AnomalyWarning,
    Carrier,
    Container,
    Declaration,
    LedgerEntry,
    LedgerReviewDecision,
    ManagementPlan,
    Manifest,
    ManifestEvent,
    ManifestLine,
    ManifestVersion,
    PlanLine,
    Producer,
    Receiver,
    StorageFacility,
    TrackPoint,
    Unit,
    Vehicle,
    WasteCode,
)

POSITIVE = {"max_digits": 14, "decimal_places": 3, "min_value": Decimal("0.001")}


class WasteCodeSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    edition = serializers.CharField(source="edition.code", read_only=True)

    class Meta:
        model = WasteCode
        fields = [
            "id",
            "code",
            "edition",
            "category",
            "category_name",
            "industry",
            "short_name",
            "description",
            "characteristics",
            "exemption_note",
        ]
        read_only_fields = fields


class ReceiverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="enterprise.name", read_only=True)
    permitted_codes = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Receiver
        fields = [
            "id",
            "enterprise",
            "name",
            "permit_number",
            "permit_valid_from",
            "permit_valid_until",
            "annual_capacity_kg",
            "permitted_codes",
        ]
        read_only_fields = fields


class VehicleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = ["id", "plate", "permit_number", "capacity_kg"]
        read_only_fields = fields


class CarrierSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="enterprise.name", read_only=True)
    vehicles = VehicleSerializer(many=True, read_only=True)

    class Meta:
        model = Carrier
        fields = [
            "id",
            "enterprise",
            "name",
            "licence_number",
            "licence_valid_until",
            "vehicles",
        ]
        read_only_fields = fields


class ProducerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="enterprise.name", read_only=True)
    street = serializers.CharField(source="enterprise.street.name", read_only=True)
    open_warnings = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Producer
        fields = [
            "id",
            "enterprise",
            "name",
            "street",
            "management_class",
            "own_disposal",
            "holds_permit",
            "class_basis_t",
            "class_computed_at",
            "open_warnings",
        ]
        read_only_fields = fields


class ProducerRegisterSerializer(serializers.Serializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    own_disposal = serializers.BooleanField(default=False)
    holds_permit = serializers.BooleanField(default=False)


class BalanceRowSerializer(serializers.Serializer):
    waste_code = serializers.CharField()
    planned = serializers.DecimalField(max_digits=16, decimal_places=3)
    generated = serializers.DecimalField(max_digits=16, decimal_places=3)
    in_stock = serializers.DecimalField(max_digits=16, decimal_places=3)
    shipped = serializers.DecimalField(max_digits=16, decimal_places=3)
    received = serializers.DecimalField(max_digits=16, decimal_places=3)
    unaccounted = serializers.DecimalField(max_digits=16, decimal_places=3)


# Staff name the producer a write is for; an enterprise user leaves it out and
# writes for their own (hazwaste.api.views._producer).
def _producer_field():
    return ScopedPrimaryKeyRelatedField(
        queryset=Producer.objects.all(),
        required=False,
        help_text="The producer (staff); an enterprise user's own if left out.",
    )


class FacilitySerializer(serializers.ModelSerializer):
    producer = _producer_field()

    class Meta:
        model = StorageFacility
        fields = ["id", "producer", "name", "kind", "capacity_kg"]
        read_only_fields = ["id"]


class PlanLineSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code")
    receiver = serializers.PrimaryKeyRelatedField(
        queryset=Receiver.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = PlanLine
        fields = ["waste_code", "expected_kg", "receiver"]


class PlanSerializer(serializers.ModelSerializer):
    lines = PlanLineSerializer(many=True, read_only=True)

    class Meta:
        model = ManagementPlan
        fields = [
            "id",
            "producer",
            "year",
            "status",
            "filing_number",
            "filed_at",
            "filed_late",
            "lines",
        ]
        read_only_fields = fields


class PlanLineInputSerializer(serializers.Serializer):
    waste_code = serializers.CharField(max_length=10)
    expected_kg = serializers.DecimalField(**POSITIVE)
    receiver = serializers.PrimaryKeyRelatedField(
        queryset=Receiver.objects.all(), allow_null=True, required=False
    )


class PlanSaveSerializer(serializers.Serializer):
    producer = _producer_field()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    lines = PlanLineInputSerializer(many=True)


class DeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Declaration
        fields = [
            "id",
            "producer",
            "period",
            "period_start",
            "period_end",
            "due_on",
            "status",
            "lines",
            "submitted_at",
        ]
        read_only_fields = fields


class ContainerSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code", read_only=True)
    facility_name = serializers.CharField(
        source="facility.name", read_only=True, default=None
    )
    days_in_storage = serializers.SerializerMethodField()
    stock_kg = serializers.DecimalField(max_digits=16, decimal_places=3, read_only=True)

    class Meta:
        model = Container
        fields = [
            "id",
            "label_code",
            "producer",
            "waste_code",
            "kind",
            "batch_code",
            "unit",
            "quantity",
            "quantity_kg",
            "pending_kg",
            "in_storage_kg",
            "awaiting_kg",
            "shipped_kg",
            "stock_kg",
            "status",
            "facility",
            "facility_name",
            "generated_at",
            "stored_at",
            "released_at",
            "shipped_at",
            "days_in_storage",
        ]
        read_only_fields = fields

    def get_days_in_storage(self, container) -> int | None:
        return container.days_in_storage()


class ContainerGenerateSerializer(serializers.Serializer):
    producer = _producer_field()
    waste_code = serializers.CharField(max_length=10)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.ChoiceField(choices=Unit.choices)
    kind = serializers.ChoiceField(choices=Container.Kind.choices)
    weight_kg = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    batch_code = serializers.CharField(max_length=40, required=False, default="")
    handler = serializers.CharField(max_length=100, required=False, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class ContainerStoreSerializer(serializers.Serializer):
    facility = ScopedPrimaryKeyRelatedField(queryset=StorageFacility.objects.all())
    handler = serializers.CharField(max_length=100, required=False, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class ContainerReleaseSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.ChoiceField(choices=Unit.choices)
    handler = serializers.CharField(max_length=100, required=False, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class LedgerEntrySerializer(serializers.ModelSerializer):
    container = serializers.CharField(source="container.label_code", read_only=True)
    waste_code = serializers.CharField(source="waste_code.code", read_only=True)
    manifest = serializers.CharField(
        source="manifest.number", read_only=True, default=None
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "producer",
            "container",
            "waste_code",
            "kind",
            "occurred_at",
            "quantity",
            "unit",
            "quantity_kg",
            "batch_code",
            "facility",
            "manifest",
            "handler",
            "recorded_at",
            "review_state",
        ]
        read_only_fields = fields


class LedgerReviewWindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField(label=_("start"))
    end = serializers.DateTimeField(label=_("end"))


class LedgerDecisionSerializer(serializers.Serializer):
    """Validate or invalidate ledger entries in bulk (at most 10,000), with a
    reason."""

    entries = serializers.ListField(
        child=serializers.IntegerField(min_value=1), label=_("ledger entries")
    )
    state = serializers.ChoiceField(
        label=_("decision"),
        choices=[
            LedgerEntry.ReviewState.VALIDATED,
            LedgerEntry.ReviewState.INVALID,
        ],
    )
    reason = serializers.CharField(label=_("reason"), max_length=2000)

    def validate_entries(self, value):
        from hazwaste.services.review import (
            MAX_ENTRIES_PER_DECISION,
            too_many_entries_message,
        )

        if not value:
            raise serializers.ValidationError(_("No ledger entry selected."))
        if len(value) > MAX_ENTRIES_PER_DECISION:
            raise serializers.ValidationError(too_many_entries_message())
        return value


class LedgerReviewDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = LedgerReviewDecision
        fields = ["id", "state", "reason", "count", "decided_by", "decided_at"]
        read_only_fields = fields


class ManifestLineSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code", read_only=True)
    containers = serializers.SlugRelatedField(
        slug_field="label_code", many=True, read_only=True
    )

    class Meta:
        model = ManifestLine
        fields = [
            "position",
            "waste_code",
            "quantity",
            "unit",
            "quantity_kg",
            "container_count",
            "packaging",
            "physical_form",
            "characteristics",
            "containers",
            "received_kg",
            "outcome",
            "discrepancy_note",
        ]
        read_only_fields = fields


class ManifestEventSerializer(serializers.ModelSerializer):
    signed_by = serializers.CharField(source="signed_by.username", read_only=True)

    class Meta:
        model = ManifestEvent
        fields = [
            "version",
            "from_status",
            "to_status",
            "role",
            "signed_by",
            "signed_at",
            "lon",
            "lat",
            "place",
            "note",
        ]
        read_only_fields = fields


class ManifestVersionSerializer(serializers.ModelSerializer):
    corrected_by = serializers.CharField(source="corrected_by.username", read_only=True)

    class Meta:
        model = ManifestVersion
        fields = ["version", "snapshot", "reason", "corrected_by", "corrected_at"]
        read_only_fields = fields


class TrackPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackPoint
        fields = ["at", "lon", "lat"]


class ManifestSerializer(serializers.ModelSerializer):
    producer_name = serializers.CharField(
        source="producer.enterprise.name", read_only=True
    )
    carrier_name = serializers.CharField(
        source="carrier.enterprise.name", read_only=True
    )
    receiver_name = serializers.CharField(
        source="receiver.enterprise.name", read_only=True
    )
    waste_code = serializers.CharField(source="waste_code.code", read_only=True)
    vehicle = serializers.CharField(
        source="vehicle.plate", read_only=True, default=None
    )

    class Meta:
        model = Manifest
        fields = [
            "id",
            "number",
            "version",
            "status",
            "producer",
            "producer_name",
            "carrier",
            "carrier_name",
            "receiver",
            "receiver_name",
            "vehicle",
            "waste_code",
            "shipped_kg",
            "received_kg",
            "outcome",
            "disposal_method",
            "planned_at",
            "submitted_at",
            "dispatched_at",
            "receipt_due_on",
            "received_at",
            "disposed_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class ManifestDetailSerializer(ManifestSerializer):
    lines = ManifestLineSerializer(many=True, read_only=True)
    events = ManifestEventSerializer(many=True, read_only=True)
    versions = ManifestVersionSerializer(many=True, read_only=True)
    track_points = TrackPointSerializer(many=True, read_only=True)

    class Meta(ManifestSerializer.Meta):
        fields = [
            *ManifestSerializer.Meta.fields,
            "lines",
            "events",
            "versions",
            "track_points",
        ]
        read_only_fields = fields


class ManifestLineInputSerializer(serializers.Serializer):
    containers = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    weight_kg = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    container_count = serializers.IntegerField(min_value=1, required=False)
    packaging = serializers.CharField(max_length=50, required=False, default="")
    physical_form = serializers.ChoiceField(
        choices=ManifestLine.Form.choices, required=False
    )
    characteristics = serializers.CharField(max_length=20, required=False, default="")


class ManifestCreateSerializer(serializers.Serializer):
    producer = _producer_field()
    carrier = serializers.PrimaryKeyRelatedField(queryset=Carrier.objects.all())
    receiver = serializers.PrimaryKeyRelatedField(queryset=Receiver.objects.all())
    vehicle = serializers.PrimaryKeyRelatedField(
        queryset=Vehicle.objects.all(), required=False, allow_null=True
    )
    waste_code = serializers.CharField(max_length=10)
    planned_at = serializers.DateTimeField(required=False, allow_null=True)
    lines = ManifestLineInputSerializer(many=True)


class ManifestUpdateSerializer(serializers.Serializer):
    vehicle = serializers.PrimaryKeyRelatedField(
        queryset=Vehicle.objects.all(), required=False, allow_null=True
    )
    planned_at = serializers.DateTimeField(required=False, allow_null=True)
    lines = ManifestLineInputSerializer(many=True, required=False)


class SignatureSerializer(serializers.Serializer):
    """Where the signature was given (optional; phones send their position)."""

    lon = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    lat = serializers.FloatField(
        required=False, allow_null=True, min_value=-90, max_value=90
    )
    place = serializers.CharField(max_length=200, required=False, default="")
    note = serializers.CharField(max_length=500, required=False, default="")


class ManifestDispatchSerializer(SignatureSerializer):
    vehicle = serializers.PrimaryKeyRelatedField(
        queryset=Vehicle.objects.all(), required=False, allow_null=True
    )


class ReceiptLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    received_kg = serializers.DecimalField(
        max_digits=14, decimal_places=3, min_value=Decimal("0")
    )
    outcome = serializers.ChoiceField(
        choices=Manifest.Outcome.choices, default=Manifest.Outcome.ACCEPTED
    )
    discrepancy_note = serializers.CharField(max_length=300, required=False, default="")


class ReceiveSerializer(SignatureSerializer):
    lines = ReceiptLineSerializer(many=True)


class DisposalSerializer(SignatureSerializer):
    method = serializers.CharField(max_length=100)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class TrackSerializer(serializers.Serializer):
    points = TrackPointSerializer(many=True)


class CorrectionLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    weight_kg = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False
    )
    container_count = serializers.IntegerField(min_value=1, required=False)
    packaging = serializers.CharField(max_length=50, required=False)
    physical_form = serializers.ChoiceField(
        choices=ManifestLine.Form.choices, required=False
    )
    characteristics = serializers.CharField(max_length=20, required=False)
    received_kg = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, min_value=Decimal("0")
    )
    outcome = serializers.ChoiceField(choices=Manifest.Outcome.choices, required=False)
    discrepancy_note = serializers.CharField(max_length=300, required=False)


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, label=_("reason for the correction"))
    lines = CorrectionLineSerializer(many=True, required=False)
    disposal_method = serializers.CharField(max_length=100, required=False)


class AnomalyRuleSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_code_display", read_only=True)

    class Meta:
        model = AnomalyRule
        fields = ["id", "code", "label", "enabled", "severity", "parameters"]
        read_only_fields = ["id", "code", "label"]


class AnomalyWarningSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    rule_label = serializers.CharField(source="rule.get_code_display", read_only=True)
    producer_name = serializers.CharField(
        source="producer.enterprise.name", read_only=True, default=None
    )
    receiver_name = serializers.CharField(
        source="receiver.enterprise.name", read_only=True, default=None
    )
    manifest_number = serializers.CharField(
        source="manifest.number", read_only=True, default=None
    )
    container_label = serializers.CharField(
        source="container.label_code", read_only=True, default=None
    )
    waste_code = serializers.CharField(
        source="waste_code.code", read_only=True, default=None
    )

    class Meta:
        model = AnomalyWarning
        fields = [
            "id",
            "rule",
            "rule_label",
            "severity",
            "status",
            "producer",
            "producer_name",
            "receiver",
            "receiver_name",
            "manifest",
            "manifest_number",
            "container",
            "container_label",
            "waste_code",
            "subject",
            "evidence",
            "first_seen_at",
            "last_seen_at",
            "handled_at",
            "handling_note",
        ]
        read_only_fields = fields


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class WarningNoteSerializer(serializers.Serializer):
    """A note with a ticket or an inspection request."""

    note = serializers.CharField(max_length=400, required=False, default="")


class ScanResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    refreshed = serializers.IntegerField()
    resolved = serializers.IntegerField()
    by_rule = serializers.DictField(child=serializers.IntegerField())
