from rest_framework import serializers

from grid.models import Agency, District, GridCell, Membership, Street


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
