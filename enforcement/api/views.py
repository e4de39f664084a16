from django.core.paginator import Paginator
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.pagination import StandardPagination
from core.concurrency import ETAG, IF_MATCH, lock_if_match, with_etag
from core.errors import InvalidInput
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from enforcement import io, selectors, services
from enforcement.api import serializers
from enforcement.filters import EnterpriseFilter
from grid.permissions import IsBureauStaff, IsStaffOrReadOnly


class DeferredJoinPaginator(Paginator):
    """Later pages pick their ids first, then load only those rows.

    With a plain OFFSET the database loads and joins every skipped row (tens of
    thousands on a busy street's last pages); the id subquery skips them inside
    the (street, name, id) index instead, and only the page's rows are fetched.
    Same rows, same order, still one query."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom == 0:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        page_ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=page_ids), number, self)


class EnterprisePagination(StandardPagination):
    django_paginator_class = DeferredJoinPaginator


class EnterpriseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The enterprise registry. Lists and details are scoped to the user."""

    serializer_class = serializers.EnterpriseSerializer
    pagination_class = EnterprisePagination
    filterset_class = EnterpriseFilter
    ordering_fields = ["name", "uscc", "created_at"]
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self):
        return selectors.enterprise_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("create", "partial_update", "import_file"):
            return [IsBureauStaff()]
        return super().get_permissions()

    @extend_schema(
        request=serializers.EnterpriseCreateSerializer,
        responses={201: serializers.EnterpriseSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def create(self, request):
        data = serializers.EnterpriseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(**data.validated_data)
        return Response(
            self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, pk=None):
        enterprise = self.get_object()
        return with_etag(Response(self.get_serializer(enterprise).data), enterprise)

    @extend_schema(
        request=serializers.EnterpriseUpdateSerializer,
        responses=serializers.EnterpriseSerializer,
        parameters=[IF_MATCH, ETAG],
    )
    def partial_update(self, request, pk=None):
        enterprise = self.get_object()
        data = serializers.EnterpriseUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        with transaction.atomic():  # If-Match is checked on the locked row
            enterprise = services.enterprise_update(
                enterprise=lock_if_match(request, enterprise), **data.validated_data
            )
        return with_etag(Response(self.get_serializer(enterprise).data), enterprise)

    @extend_schema(
        request=serializers.EnterpriseLocationSerializer,
        responses=serializers.EnterpriseSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def location(self, request, pk=None):
        """Move it; street and cell follow the point unless set by hand."""
        enterprise = self.get_object()
        data = serializers.EnterpriseLocationSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_set_location(
            enterprise=enterprise, **data.validated_data
        )
        return Response(self.get_serializer(enterprise).data)

    @extend_schema(
        request={"multipart/form-data": serializers.EnterpriseImportSerializer}
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
    )
    def import_file(self, request):
        """Import from CSV/XLSX; a dry run (the default) lists every bad row."""
        data = serializers.EnterpriseImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        rows = io.read_rows(upload.read(), upload.name)
        report = services.enterprises_import(
            rows=rows, dry_run=data.validated_data["dry_run"]
        )
        if report.errors:
            raise InvalidInput(
                _("%(n)d problems found; nothing was saved.")
                % {"n": len(report.errors)},
                fields={"rows": report.errors},
            )
        return Response(
            {
                "dry_run": report.dry_run,
                "total": report.total,
                "created": report.created,
                "updated": report.updated,
            }
        )

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered list as CSV, in the import's columns."""
        queryset = self.filter_queryset(self.get_queryset()).iterator(chunk_size=2000)
        response = StreamingHttpResponse(
            io.export_csv_lines(queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="enterprises.csv"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("bbox", str, description="west,south,east,north"),
            OpenApiParameter("zoom", int, required=False),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"], url_path="map")
    def map(self, request):
        """Points inside a viewport, or server-side clusters beyond 5,000."""
        viewport = serializers.ViewportSerializer(data=request.query_params)
        viewport.is_valid(raise_exception=True)
        west, south, east, north = viewport.validated_data["bbox"]
        filters = {
            k: v for k, v in request.query_params.items() if k not in ("bbox", "zoom")
        }
        result = selectors.enterprise_map(
            user=request.user,
            viewport=selectors.Viewport(
                west, south, east, north, viewport.validated_data["zoom"]
            ),
            filters=filters,
        )
        return Response(result)
