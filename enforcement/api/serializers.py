from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from enforcement.models import Enterprise
from enforcement.validators import normalize_uscc, validate_uscc
from grid.models import GridCell, Street


class EnterpriseSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    grid_cell_code = serializers.CharField(
        source="grid_cell.code", read_only=True, default=None
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "uscc",
            "name",
            "sector",
            "status",
            "address",
            "lon",
            "lat",
            "street",
            "street_name",
            "grid_cell",
            "grid_cell_code",
            "location_override",
            "location_override_note",
            "contact_name",
            "contact_phone",
            "property_manager",
            "permit_number",
            "permit_valid_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnterpriseCreateSerializer(serializers.Serializer):
    uscc = serializers.CharField(label=_("unified social credit code"), max_length=40)
    name = serializers.CharField(label=_("name"), max_length=200)
    sector = serializers.ChoiceField(
        label=_("sector"), choices=Enterprise.Sector.choices
    )
    status = serializers.ChoiceField(
        label=_("status"),
        choices=Enterprise.Status.choices,
        default=Enterprise.Status.OPERATING,
    )
    lon = serializers.FloatField(
        label=_("longitude (WGS-84)"), min_value=-180, max_value=180
    )
    lat = serializers.FloatField(
        label=_("latitude (WGS-84)"), min_value=-90, max_value=90
    )
    address = serializers.CharField(
        label=_("address"), max_length=300, required=False, allow_blank=True
    )
    contact_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True
    )
    property_manager = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    permit_number = serializers.CharField(
        max_length=60, required=False, allow_blank=True
    )
    permit_valid_until = serializers.DateField(required=False, allow_null=True)

    def validate_uscc(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            validate_uscc(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return normalize_uscc(value)


class EnterpriseUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    sector = serializers.ChoiceField(choices=Enterprise.Sector.choices, required=False)
    status = serializers.ChoiceField(choices=Enterprise.Status.choices, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    contact_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True
    )
    property_manager = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    permit_number = serializers.CharField(
        max_length=60, required=False, allow_blank=True
    )
    permit_valid_until = serializers.DateField(required=False, allow_null=True)


class EnterpriseLocationSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    street = serializers.PrimaryKeyRelatedField(
        queryset=Street.objects.none(), required=False, allow_null=True
    )
    grid_cell = serializers.PrimaryKeyRelatedField(
        queryset=GridCell.objects.none(), required=False, allow_null=True
    )
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["street"].queryset = Street.objects.for_user(user)
        self.fields["grid_cell"].queryset = GridCell.objects.for_user(user)


class EnterpriseImportSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("file"))
    dry_run = serializers.BooleanField(default=True)


class ViewportSerializer(serializers.Serializer):
    bbox = serializers.CharField(help_text="west,south,east,north in WGS-84 degrees")
    zoom = serializers.IntegerField(
        required=False, default=13, min_value=0, max_value=22
    )

    def validate_bbox(self, value: str):
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError as error:
            raise serializers.ValidationError(
                _("Expected four numbers: west,south,east,north.")
            ) from error
        if not (west < east and south < north):
            raise serializers.ValidationError(
                _("West must be less than east and south less than north.")
            )
        return west, south, east, north
