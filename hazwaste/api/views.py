from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import InvalidInput
from grid.permissions import IsBureauAdmin, IsBureauStaff
from hazwaste import selectors, services
from hazwaste.api import serializers
from hazwaste.labels import label_svg
from hazwaste.models import StorageFacility, WasteCode

ReadOnly = (mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet)


def _producer(request, producer):
    """The producer a write is for: the given one (in scope) or the user's own."""
    if producer is not None:
        return selectors.producer_get(user=request.user, pk=producer.pk)
    producer = selectors.producer_for_account(user=request.user)
    if producer is None:
        raise InvalidInput(fields={"producer": [_("Name the producer.")]})
    return producer


def _valid(serializer_class, request, **kwargs):
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


class WasteCodeViewSet(*ReadOnly):
    """The National Hazardous Waste List in force (search with ``q``)."""

    serializer_class = serializers.WasteCodeSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, required=False)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WasteCode.objects.none()
        return selectors.waste_code_list(search=self.request.query_params.get("q", ""))


class ReceiverViewSet(*ReadOnly):
    """Licensed receivers: permit, validity, permitted codes, capacity."""

    serializer_class = serializers.ReceiverSerializer

    def get_queryset(self):
        return selectors.receiver_list(user=self.request.user)


class CarrierViewSet(*ReadOnly):
    serializer_class = serializers.CarrierSerializer

    def get_queryset(self):
        return selectors.carrier_list(user=self.request.user)


class ProducerViewSet(*ReadOnly):
    serializer_class = serializers.ProducerSerializer

    def get_permissions(self):
        if self.action == "create":
            return [IsBureauStaff()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.producer_list(
            user=self.request.user, filters=self.request.query_params
        )

    @extend_schema(
        request=serializers.ProducerRegisterSerializer,
        responses={201: serializers.ProducerSerializer},
    )
    def create(self, request):
        """Bureau staff give an enterprise in scope a hazardous-waste profile."""
        data = _valid(serializers.ProducerRegisterSerializer, request)
        producer = services.producer_register(**data)
        return Response(
            self.get_serializer(producer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses=serializers.BalanceRowSerializer(many=True),
    )
    @action(
        detail=True, methods=["get"], url_path="mass-balance", pagination_class=None
    )
    def mass_balance(self, request, pk=None):
        """Plan vs generated vs in stock vs shipped vs received, per code (kg)."""
        producer = self.get_object()
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError as error:
            raise InvalidInput(fields={"year": [_("Enter a year.")]}) from error
        rows = selectors.producer_mass_balance(producer=producer, year=year)
        return Response(serializers.BalanceRowSerializer(rows, many=True).data)


class FacilityViewSet(mixins.CreateModelMixin, *ReadOnly):
    serializer_class = serializers.FacilitySerializer

    def get_queryset(self):
        return StorageFacility.objects.for_user(self.request.user)

    def create(self, request):
        data = dict(_valid(serializers.FacilitySerializer, request))
        producer = _producer(request, data.pop("producer", None))
        services.require_account(
            user=request.user, enterprise_id=producer.enterprise_id
        )
        facility = services.facility_create(producer=producer, **data)
        return Response(
            self.get_serializer(facility).data, status=status.HTTP_201_CREATED
        )


class PlanViewSet(*ReadOnly):
    """Annual management plans: save the draft's lines, then file it."""

    serializer_class = serializers.PlanSerializer

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user)

    @extend_schema(
        request=serializers.PlanSaveSerializer,
        responses={201: serializers.PlanSerializer},
    )
    def create(self, request):
        data = _valid(serializers.PlanSaveSerializer, request)
        producer = _producer(request, data.get("producer"))
        services.require_account(
            user=request.user, enterprise_id=producer.enterprise_id
        )
        plan = services.plan_save(
            producer=producer, year=data["year"], lines=data["lines"]
        )
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.PlanSerializer)
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        plan = self.get_object()
        services.require_account(
            user=request.user, enterprise_id=plan.producer.enterprise_id
        )
        services.plan_file(plan=plan)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


class DeclarationViewSet(*ReadOnly):
    serializer_class = serializers.DeclarationSerializer

    def get_queryset(self):
        return selectors.declaration_list(user=self.request.user)

    @extend_schema(request=None, responses=serializers.DeclarationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        declaration = self.get_object()
        services.require_account(
            user=request.user, enterprise_id=declaration.producer.enterprise_id
        )
        declaration = services.declaration_submit(
            declaration=declaration, user=request.user
        )
        return Response(self.get_serializer(declaration).data)


class ContainerViewSet(*ReadOnly):
    """Containers by label code; record generation, storage and release."""

    serializer_class = serializers.ContainerSerializer
    lookup_field = "label_code"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self):
        return selectors.container_list(
            user=self.request.user, filters=self.request.query_params
        )

    @extend_schema(
        request=serializers.ContainerGenerateSerializer,
        responses={201: serializers.ContainerSerializer},
    )
    def create(self, request):
        data = _valid(serializers.ContainerGenerateSerializer, request)
        producer = _producer(request, data.pop("producer", None))
        container = services.container_generate(
            producer=producer, user=request.user, **data
        )
        return Response(
            self.get_serializer(container).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.ContainerStoreSerializer,
        responses=serializers.ContainerSerializer,
    )
    @action(detail=True, methods=["post"])
    def store(self, request, label_code=None):
        container = self.get_object()
        data = _valid(serializers.ContainerStoreSerializer, request)
        container = services.container_store(
            container=container, user=request.user, **data
        )
        return Response(self.get_serializer(container).data)

    @extend_schema(
        request=serializers.ContainerReleaseSerializer,
        responses=serializers.ContainerSerializer,
    )
    @action(detail=True, methods=["post"])
    def release(self, request, label_code=None):
        container = self.get_object()
        data = _valid(serializers.ContainerReleaseSerializer, request)
        container = services.container_release(
            container=container, user=request.user, **data
        )
        return Response(self.get_serializer(container).data)

    @extend_schema(responses={(200, "image/svg+xml"): str})
    @action(detail=True, methods=["get"], url_path="qr")
    def qr(self, request, label_code=None):
        """The label's QR code: it opens the container's phone page."""
        container = self.get_object()
        url = request.build_absolute_uri(
            reverse("hazwaste:container-detail", args=[container.label_code])
        )
        return HttpResponse(label_svg(url), content_type="image/svg+xml")


class LedgerEntryViewSet(*ReadOnly):
    """Ledger entries; bureau staff review them (``review-queue``,
    ``decisions``)."""

    serializer_class = serializers.LedgerEntrySerializer

    def get_queryset(self):
        return selectors.ledger_list(
            user=self.request.user, filters=self.request.query_params
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsBureauStaff],
        url_path="review-queue",
        pagination_class=None,
    )
    def review_queue(self, request):
        """Unreviewed entries of a window of at most 92 days that look wrong:
        far above the producer's usual quantity, above the plan's year, more
        sent out than generated, dated in the future or recorded late."""
        window = serializers.LedgerReviewWindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        rows = selectors.ledger_review_queue(user=request.user, **window.validated_data)
        return Response({"results": rows, "count": len(rows)})

    @extend_schema(
        request=serializers.LedgerDecisionSerializer,
        responses={201: serializers.LedgerReviewDecisionSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[IsBureauStaff],
        url_path="decisions",
    )
    def decisions(self, request):
        """Validate or invalidate the listed entries with a reason, all or none
        (at most 10,000 in one request); the decision is kept on the record and
        the anomaly rules that read the ledger run again."""
        data = _valid(serializers.LedgerDecisionSerializer, request)
        decision = services.ledger_entries_decide(user=request.user, **data)
        return Response(
            serializers.LedgerReviewDecisionSerializer(decision).data,
            status=status.HTTP_201_CREATED,
        )


class ManifestViewSet(*ReadOnly):
    """Transfer manifests: an enterprise sees those it sends, carries or
    receives; each signature is an action in the lifecycle's order."""

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.manifest_list(user=self.request.user).prefetch_related(
                "lines__waste_code",
                "lines__containers",
                "events__signed_by",
                "versions__corrected_by",
                "track_points",
            )
        return selectors.manifest_list(
            user=self.request.user, filters=self.request.query_params
        )

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ManifestSerializer
        return serializers.ManifestDetailSerializer

    def _detail(self, manifest):
        fresh = selectors.manifest_get(user=self.request.user, pk=manifest.pk)
        return Response(serializers.ManifestDetailSerializer(fresh).data)

    @extend_schema(
        request=serializers.ManifestCreateSerializer,
        responses={201: serializers.ManifestDetailSerializer},
    )
    def create(self, request):
        data = _valid(serializers.ManifestCreateSerializer, request)
        producer = _producer(request, data.pop("producer", None))
        manifest = services.manifest_create(
            producer=producer, user=request.user, **data
        )
        response = self._detail(manifest)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=serializers.ManifestUpdateSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    def partial_update(self, request, pk=None):
        """Edit a draft; a signed manifest answers 409 (use ``correct``)."""
        manifest = self.get_object()
        data = _valid(serializers.ManifestUpdateSerializer, request)
        services.manifest_update(manifest=manifest, user=request.user, **data)
        return self._detail(manifest)

    def _sign(self, request, service, serializer_class, **extra):
        manifest = self.get_object()
        data = _valid(serializer_class, request)
        service(manifest=manifest, user=request.user, **data, **extra)
        return self._detail(manifest)

    @extend_schema(
        request=serializers.SignatureSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The consignor signs."""
        return self._sign(
            request, services.manifest_submit, serializers.SignatureSerializer
        )

    @extend_schema(
        request=serializers.ManifestDispatchSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="dispatch")
    def pick_up(self, request, pk=None):
        """The carrier signs at pick-up."""
        return self._sign(
            request, services.manifest_dispatch, serializers.ManifestDispatchSerializer
        )

    @extend_schema(
        request=serializers.TrackSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def track(self, request, pk=None):
        return self._sign(request, services.manifest_track, serializers.TrackSerializer)

    @extend_schema(
        request=serializers.ReceiveSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """The receiver weighs each line and accepts, partly accepts or refuses."""
        return self._sign(
            request, services.manifest_receive, serializers.ReceiveSerializer
        )

    @extend_schema(
        request=serializers.DisposalSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def disposal(self, request, pk=None):
        return self._sign(
            request, services.manifest_report_disposal, serializers.DisposalSerializer
        )

    @extend_schema(
        request=serializers.SignatureSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._sign(
            request, services.manifest_close, serializers.SignatureSerializer
        )

    @extend_schema(
        request=serializers.CancelSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._sign(
            request, services.manifest_cancel, serializers.CancelSerializer
        )

    @extend_schema(
        request=serializers.CorrectionSerializer,
        responses=serializers.ManifestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """A new version with a reason; the old one stays readable."""
        return self._sign(
            request, services.manifest_correct, serializers.CorrectionSerializer
        )


class AnomalyRuleViewSet(mixins.UpdateModelMixin, *ReadOnly):
    """Rules and their parameters; bureau administrators change them."""

    serializer_class = serializers.AnomalyRuleSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        from hazwaste.models import AnomalyRule

        return AnomalyRule.objects.all()

    def get_permissions(self):
        if self.action == "partial_update":
            return [IsBureauAdmin()]
        return [IsBureauStaff()]


class AnomalyWarningViewSet(*ReadOnly):
    """The bureau's queue of warnings (``status=open`` by default; ``all``)."""

    serializer_class = serializers.AnomalyWarningSerializer

    def get_queryset(self):
        filters = self.request.query_params
        if self.action != "list":
            filters = {"status": "all"}
        return selectors.warning_list(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, required=False),
            OpenApiParameter("rule", str, required=False),
            OpenApiParameter("severity", str, required=False),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.DismissSerializer,
        responses=serializers.AnomalyWarningSerializer,
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        warning = self.get_object()
        data = _valid(serializers.DismissSerializer, request)
        warning = services.warning_dismiss(
            warning=warning, user=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(warning).data)

    @extend_schema(
        request=serializers.WarningNoteSerializer,
        responses=serializers.AnomalyWarningSerializer,
    )
    @action(detail=True, methods=["post"])
    def ticket(self, request, pk=None):
        """Turn the warning into a grid ticket at the enterprise concerned."""
        warning = self.get_object()
        data = _valid(serializers.WarningNoteSerializer, request)
        warning = services.warning_open_ticket(
            warning=warning, user=request.user, note=data["note"]
        )
        return Response(self.get_serializer(warning).data)

    @extend_schema(
        request=serializers.WarningNoteSerializer,
        responses=serializers.AnomalyWarningSerializer,
    )
    @action(detail=True, methods=["post"])
    def inspection(self, request, pk=None):
        """Send the warning to an on-site inspection of the enterprise concerned;
        it is resolved when that inspection is recorded."""
        warning = self.get_object()
        data = _valid(serializers.WarningNoteSerializer, request)
        warning = services.warning_send_to_inspection(
            warning=warning, user=request.user, note=data["note"]
        )
        return Response(self.get_serializer(warning).data)

    @extend_schema(request=None, responses=serializers.ScanResultSerializer)
    @action(detail=False, methods=["post"], permission_classes=[IsBureauAdmin])
    def scan(self, request):
        """Run every enabled rule now."""
        report = services.anomaly_scan()
        return Response(serializers.ScanResultSerializer(report).data)
