"""The exchange API: the city's streamed exports per dataset, the scheduled
export files, and the city-list imports."""

from __future__ import annotations

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.errors import InvalidInput, PermissionDenied
from exchange import formats, selectors, services
from exchange.api import serializers
from exchange.api.auth import CanReadExchange, ExchangeClientAuthentication
from exchange.datasets import Dataset
from exchange.models import ExportFile
from exchange.selectors import ClientPrincipal
from grid.models import District
from grid.permissions import IsBureauAdmin, IsBureauStaff
from grid.selectors import user_scope

READER_AUTHENTICATION = [
    ExchangeClientAuthentication,
    *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
]


class FormatIsAParameter(DefaultContentNegotiation):
    """``?format=csv`` chooses the export's file format here, not a DRF
    renderer; errors are rendered as JSON like everywhere else."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DatasetExportView(APIView):
    """Stream one dataset of the reader's districts, whole or changed since a
    watermark."""

    authentication_classes = READER_AUTHENTICATION
    permission_classes = [CanReadExchange]
    content_negotiation_class = FormatIsAParameter
    dataset: Dataset = None

    def get_queryset(self):
        return selectors.dataset_queryset(
            dataset=self.dataset, reader=self.request.user
        )

    def get(self, request):
        dataset = self.dataset
        query = serializers.ExportQuerySerializer(
            data=request.query_params, formats=dataset.formats
        )
        query.is_valid(raise_exception=True)
        file_format = query.validated_data["format"]
        window = selectors.export_window(
            dataset=dataset,
            since=query.validated_data.get("updated_since"),
            until=query.validated_data.get("updated_until"),
        )
        reader = request.user
        deletions = selectors.dataset_deletions(
            dataset=dataset, reader=reader, window=window
        )
        rows = selectors.dataset_rows(dataset=dataset, reader=reader, window=window)
        response = StreamingHttpResponse(
            formats.encode(file_format, dataset, rows, deletions, window),
            content_type=formats.CONTENT_TYPES[file_format],
        )
        stamp = window.until.strftime("%Y%m%dT%H%M%SZ")
        extension = formats.EXTENSIONS[file_format]
        response["Content-Disposition"] = (
            f'attachment; filename="{dataset.name}-{stamp}.{extension}"'
        )
        response["X-Exchange-Watermark"] = window.until.isoformat()
        response["Cache-Control"] = "no-store"
        return response


def export_view(dataset: Dataset):
    """A view class per dataset, so the schema names each one's formats."""
    responses = {
        (200, "application/json"): serializers.ExportEnvelopeSerializer,
        (200, "text/csv"): OpenApiTypes.STR,
    }
    if "geojson" in dataset.formats:
        responses[(200, "application/geo+json")] = OpenApiTypes.OBJECT
    schema = extend_schema(
        operation_id=f"exchange_{dataset.name.replace('-', '_')}_export",
        summary=f"Export {dataset.name}",
        description=(
            "Streams the reader's rows of this dataset. With updated_since, only "
            "rows changed after it (and deletions, where recorded); the answer's "
            "watermark is the next updated_since. Fields: "
            + ", ".join(column.key for column in dataset.columns)
            + "."
        ),
        parameters=[
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Rows changed after this time (the last watermark).",
            ),
            OpenApiParameter(
                "updated_until",
                OpenApiTypes.DATETIME,
                description="Rows changed up to this time (default: now, settled).",
            ),
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(dataset.formats), default="json"
            ),
        ],
        responses=responses,
    )
    cls = type(
        f"{dataset.name.title().replace('-', '')}ExportView",
        (DatasetExportView,),
        {"dataset": dataset, "__doc__": f"Export of {dataset.name}."},
    )

    def get(self, request):
        return DatasetExportView.get(self, request)

    cls.get = schema(get)  # a function of its own: the schema is kept on it
    return cls


def _columns(dataset: Dataset) -> list[dict]:
    return [
        {"key": c.key, "label": str(c.label), "type": c.kind} for c in dataset.columns
    ]


class DatasetIndexView(APIView):
    """The datasets the exchange offers, their fields and formats."""

    authentication_classes = READER_AUTHENTICATION
    permission_classes = [CanReadExchange]

    @extend_schema(responses={200: serializers.DatasetSerializer(many=True)})
    def get(self, request):
        return Response(
            [
                {
                    "name": d.name,
                    "label": str(d.label),
                    "key": d.key,
                    "changed": d.changed or f"{d.day} (day window)",
                    "formats": list(d.formats),
                    "deletions": d.tombstones is not None,
                    "columns": _columns(d),
                }
                for d in selectors.dataset_list()
            ]
        )


class ExportFileViewSet(viewsets.ReadOnlyModelViewSet):
    """Files written by the scheduled export, newest first; ``download`` gets
    one."""

    authentication_classes = READER_AUTHENTICATION
    permission_classes = [CanReadExchange]
    serializer_class = serializers.ExportFileSerializer
    filterset_fields = ["dataset", "file_format"]

    def get_queryset(self):
        user = self.request.user
        if isinstance(user, ClientPrincipal):
            # the scheduled chain only: files of staff-started jobs have their
            # own windows
            return ExportFile.objects.filter(
                district_id__in=user.district_ids, job__isnull=True
            )
        return selectors.export_file_list(user=user)

    @extend_schema(
        # a file holds what the export of its dataset answers
        responses={
            (200, "application/json"): serializers.ExportEnvelopeSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        export = self.get_object()
        path = services.export_file_path(export=export)
        if path is None:
            raise NotFound(_("The file is no longer kept."))
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type=formats.CONTENT_TYPES.get(export.file_format),
        )


class CityListEntryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Enterprises tagged by the city's shared lists."""

    permission_classes = [IsBureauStaff]
    serializer_class = serializers.CityListEntrySerializer
    filterset_fields = ["city_list__code"]

    def get_queryset(self):
        return selectors.city_list_entry_list(user=self.request.user)


class CityListImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Imports of the city's shared lists; POST a file to apply one."""

    serializer_class = serializers.CityListImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), IsBureauAdmin()]
        return [IsAuthenticated(), IsBureauStaff()]

    def get_queryset(self):
        return selectors.city_list_import_list(user=self.request.user)

    @extend_schema(
        request=serializers.CityListImportRequestSerializer,
        responses={
            201: serializers.CityListImportReportSerializer,
            200: serializers.CityListImportReportSerializer,
        },
    )
    def create(self, request):
        scope = user_scope(user=request.user)
        districts = (
            District.objects.all()
            if scope.is_superuser
            else District.objects.filter(pk__in=scope.district_ids)
        )
        data = serializers.CityListImportRequestSerializer(
            data=request.data, districts=districts
        )
        data.is_valid(raise_exception=True)
        district = data.validated_data.get("district")
        if district is None:
            choices = list(districts[:2])
            if len(choices) != 1:
                raise InvalidInput(
                    fields={"district": [_("Choose the district to apply it to.")]}
                )
            district = choices[0]
        if not (scope.is_superuser or district.pk in scope.district_ids):
            raise PermissionDenied()
        upload = data.validated_data["file"]
        report = services.city_list_import_file(
            city_list=data.validated_data["city_list"],
            district=district,
            user=request.user,
            content=upload.read(),
            file_name=upload.name or "",
            dry_run=data.validated_data["dry_run"],
        )
        body = {
            "id": report.record.pk if report.record else None,
            "city_list": report.city_list.code,
            "district": report.district.code,
            "dry_run": report.dry_run,
            "rows": report.rows,
            "tagged": report.tagged,
            "added": report.added,
            "removed": report.removed,
            "unknown_count": len(report.unknown),
            "unknown_usccs": report.unknown[: services.UNKNOWN_KEPT],
        }
        return Response(
            body,
            status=status.HTTP_200_OK if report.dry_run else status.HTTP_201_CREATED,
        )
