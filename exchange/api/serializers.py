from __future__ import annotations

from rest_framework import serializers

from exchange.models import CityList, CityListEntry, CityListImport, ExportFile
from grid.models import District


class ExportQuerySerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only rows changed after this time (the last watermark).",
    )
    updated_until = serializers.DateTimeField(
        required=False,
        help_text="Only rows changed up to this time (default: the safe watermark).",
    )
    format = serializers.ChoiceField(choices=["json", "csv", "geojson"], default="json")

    def __init__(self, *args, formats=("json", "csv", "geojson"), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = list(formats)


class DeletionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    deleted_at = serializers.DateTimeField()


class ExportEnvelopeSerializer(serializers.Serializer):
    """The JSON export: the window, the rows and the deletions in it."""

    dataset = serializers.CharField()
    updated_since = serializers.DateTimeField(allow_null=True)
    updated_until = serializers.DateTimeField()
    watermark = serializers.DateTimeField(
        help_text="Send this as updated_since next time."
    )
    items = serializers.ListField(child=serializers.DictField())
    deleted = DeletionSerializer(many=True)


class CityListEntrySerializer(serializers.ModelSerializer):
    city_list = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = CityListEntry
        fields = [
            "id",
            "city_list",
            "enterprise",
            "uscc",
            "enterprise_name",
            "listed_at",
        ]
        read_only_fields = fields


class CityListImportSerializer(serializers.ModelSerializer):
    city_list = serializers.SlugRelatedField(slug_field="code", read_only=True)
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    imported_by = serializers.CharField(source="imported_by.username", read_only=True)

    class Meta:
        model = CityListImport
        fields = [
            "id",
            "city_list",
            "district",
            "imported_by",
            "created_at",
            "file_name",
            "file_sha256",
            "rows",
            "tagged",
            "added",
            "removed",
            "unknown_count",
            "unknown_usccs",
        ]
        read_only_fields = fields


class CityListImportRequestSerializer(serializers.Serializer):
    city_list = serializers.SlugRelatedField(
        slug_field="code", queryset=CityList.objects.all()
    )
    district = serializers.PrimaryKeyRelatedField(
        queryset=District.objects.none(),
        required=False,
        help_text="The district to apply the list to (default: your district).",
    )
    file = serializers.FileField(help_text="CSV or XLSX with a uscc column.")
    dry_run = serializers.BooleanField(default=False)

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts is not None:
            self.fields["district"].queryset = districts


class CityListImportReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    city_list = serializers.CharField()
    district = serializers.CharField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    tagged = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    unknown_count = serializers.IntegerField()
    unknown_usccs = serializers.ListField(child=serializers.CharField())


class ExportFileSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ExportFile
        fields = [
            "id",
            "district",
            "dataset",
            "file_format",
            "rows",
            "size_bytes",
            "sha256",
            "updated_since",
            "updated_until",
            "created_at",
        ]
        read_only_fields = fields


class DatasetColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()


class DatasetSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    key = serializers.CharField(help_text="The natural key the city matches on.")
    changed = serializers.CharField(allow_null=True)
    formats = serializers.ListField(child=serializers.CharField())
    deletions = serializers.BooleanField()
    columns = DatasetColumnSerializer(many=True)
