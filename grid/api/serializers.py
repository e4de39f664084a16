from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import ScopedPrimaryKeyRelatedField
from grid.models import (
    Agency,
    District,
    GridCell,
    Membership,
    Street,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketTransition,
)
from grid.selectors import ticket_assignee_list

# The enterprise model through the ticket's key: enforcement sits above grid
# (tests/test_layers.py).
Enterprise = Ticket._meta.get_field("enterprise").related_model


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name"]
        read_only_fields = fields


class StreetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "code", "name", "district"]
        read_only_fields = fields


class GridCellSerializer(serializers.ModelSerializer):
    class Meta:
        model = GridCell
        fields = ["id", "code", "name", "street", "geometry"]
        read_only_fields = fields


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "kind", "name", "district", "street"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "username",
            "agency",
            "role",
            "streets",
            "cells",
            "is_active",
            "on_duty",
        ]
        read_only_fields = fields


class GridImportSerializer(serializers.Serializer):
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.none())
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["district"].queryset = District.objects.for_user(
            request.user if request else None
        )


# ----------------------------------------------------------------------- tickets


class TicketCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketCategory
        fields = [
            "code",
            "name",
            "name_en",
            "description",
            "dispatch_hours",
            "accept_hours",
            "handle_hours",
            "verify_hours",
        ]
        read_only_fields = fields


class TicketAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = [
            "id",
            "kind",
            "content_type",
            "size_bytes",
            "sha256",
            "exif_taken_at",
            "exif_lon",
            "exif_lat",
            "transition",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("grid:ticket-attachment", args=[obj.ticket_id, obj.pk])


class TicketTransitionSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    related_reference = serializers.CharField(
        source="related_ticket.reference", read_only=True, default=None
    )
    attachments = TicketAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketTransition
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor_name",
            "assignee_name",
            "at",
            "lon",
            "lat",
            "note",
            "related_reference",
            "attachments",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        if obj.action == TicketTransition.Action.REPORT and not self.context.get(
            "show_contact"
        ):
            return ""  # who reported is kept from the enterprise and the public
        if obj.actor_id:
            return obj.actor.get_full_name() or obj.actor.username
        return obj.actor_label

    def get_assignee_name(self, obj) -> str | None:
        if obj.assignee_id:
            return obj.assignee.get_full_name() or obj.assignee.username
        return None


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as listed. The reporter's contact is shown to staff only."""

    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    reporter_contact = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "category",
            "category_name",
            "source",
            "status",
            "status_label",
            "description",
            "lon",
            "lat",
            "address",
            "street",
            "street_name",
            "grid_cell",
            "queue",
            "assignee",
            "assignee_name",
            "enterprise",
            "reported_at",
            "stage_deadline",
            "overdue",
            "overdue_since",
            "escalation_level",
            "extension_requested_hours",
            "reporter_contact",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str | None:
        if obj.assignee_id:
            return obj.assignee.get_full_name() or obj.assignee.username
        return None

    def get_reporter_contact(self, obj) -> str | None:
        """null for readers who may not see it (the enterprise)."""
        return obj.reporter_contact if self.context.get("show_contact") else None


class TicketDetailSerializer(TicketSerializer):
    transitions = serializers.SerializerMethodField()
    attachments = TicketAttachmentSerializer(many=True, read_only=True)
    merged_into_reference = serializers.CharField(
        source="merged_into.reference", read_only=True, default=None
    )
    duplicate_references = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "origin",
            "occurred_at",
            "resolution",
            "inspection_reference",
            "violation_confirmed",
            "closed_at",
            "reporter_confirmed_at",
            "merged_into",
            "merged_into_reference",
            "duplicate_references",
            "attachments",
            "transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(TicketTransitionSerializer(many=True))
    def get_transitions(self, obj):
        from grid.selectors import ticket_history

        return TicketTransitionSerializer(
            ticket_history(ticket=obj), many=True, context=self.context
        ).data

    def get_duplicate_references(self, obj) -> list[str]:
        return list(obj.duplicates.values_list("reference", flat=True))


class MyTicketSerializer(serializers.Serializer):
    """The phone list: only what the officer needs to choose the next job. A
    plain serializer: the list is the hottest read of the phone view."""

    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status = serializers.ChoiceField(choices=Ticket.Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    description = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    lon = serializers.FloatField(read_only=True)
    lat = serializers.FloatField(read_only=True)
    stage_deadline = serializers.DateTimeField(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    extension_requested_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True
    )


class MyTicketPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, read_only=True)
    results = MyTicketSerializer(many=True, read_only=True)


class DuplicateSerializer(serializers.ModelSerializer):
    distance_m = serializers.FloatField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "status",
            "status_label",
            "reported_at",
            "distance_m",
        ]
        read_only_fields = fields


STAFF_ENTRY_SOURCES = [
    (Ticket.Source.HOTLINE.value, Ticket.Source.HOTLINE.label),
    (Ticket.Source.PATROL.value, Ticket.Source.PATROL.label),
]


class TicketCreateSerializer(serializers.Serializer):
    """Staff entry of a hotline call or a patrol finding."""

    category = serializers.CharField(max_length=30)
    source = serializers.ChoiceField(
        choices=STAFF_ENTRY_SOURCES, default=Ticket.Source.HOTLINE
    )
    description = serializers.CharField(max_length=4000)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    address = serializers.CharField(max_length=300, required=False, default="")
    reporter_contact = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    enterprise = ScopedPrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class _StepSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=Ticket.Status.choices,
        required=False,
        help_text="Refuse (409) if the ticket is no longer in this status.",
    )
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)


class AcceptSerializer(_StepSerializer):
    pass


class HandBackSerializer(_StepSerializer):
    note = serializers.CharField(max_length=4000)


class HandleSerializer(_StepSerializer):
    note = serializers.CharField(max_length=4000)
    attachments = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True
    )
    inspection_reference = serializers.CharField(
        max_length=120, required=False, default="", allow_blank=True
    )
    violation_confirmed = serializers.BooleanField(required=False, default=False)


class ExtensionRequestSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=Ticket.Status.choices, required=False
    )
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField(max_length=4000)


class ExtensionDecisionSerializer(serializers.Serializer):
    grant = serializers.BooleanField()
    note = serializers.CharField(max_length=4000, required=False, default="")


class DispatchSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=Ticket.Status.choices, required=False
    )
    assignee = ScopedPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        scope=lambda user: ticket_assignee_list(user=user),
        help_text="A street officer of the ticket's street or a bureau officer "
        "of its district.",
    )
    note = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )


class VerifySerializer(_StepSerializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )


class CloseSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=Ticket.Status.choices, required=False
    )
    note = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )
    violation_confirmed = serializers.BooleanField(required=False, allow_null=True)


class RejectSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=Ticket.Status.choices, required=False
    )
    reason = serializers.CharField(max_length=4000)


class MergeSerializer(serializers.Serializer):
    original = ScopedPrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), help_text="The ticket this one duplicates."
    )
    note = serializers.CharField(
        max_length=4000, required=False, default="", allow_blank=True
    )


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
