import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.errors import InvalidInput
from grid import selectors, services
from grid.api import serializers
from grid.permissions import IsBureauAdmin


class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.DistrictSerializer

    def get_queryset(self):
        return selectors.district_list(user=self.request.user)


class StreetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.StreetSerializer
    filterset_fields = ["district"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.street_list(user=self.request.user)


class GridCellViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.GridCellSerializer
    filterset_fields = ["street"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.grid_cell_list(user=self.request.user)

    @extend_schema(request={"multipart/form-data": serializers.GridImportSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        permission_classes=[IsBureauAdmin],
    )
    def import_cells(self, request):
        """Import grid cells from GeoJSON; a dry run (the default) writes nothing."""
        form = serializers.GridImportSerializer(
            data=request.data, context={"request": request}
        )
        form.is_valid(raise_exception=True)
        try:
            collection = json.loads(form.validated_data["file"].read())
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInput(
                fields={"file": [_("The file is not valid GeoJSON.")]}
            ) from error
        report = services.grid_cells_import(
            district=form.validated_data["district"],
            feature_collection=collection,
            dry_run=form.validated_data["dry_run"],
        )
        body = {
            "dry_run": report.dry_run,
            "created": report.created,
            "updated": report.updated,
            "errors": report.errors,
        }
        if report.errors:
            raise InvalidInput(
                _("Some features were rejected; nothing was saved."),
                fields={"features": report.errors},
            )
        return Response(body, status=status.HTTP_200_OK)


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AgencySerializer
    filterset_fields = ["kind", "district"]

    def get_queryset(self):
        return selectors.agency_list(user=self.request.user)


class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MembershipSerializer
    filterset_fields = ["agency", "role"]

    def get_queryset(self):
        return selectors.membership_list(user=self.request.user)
