"""Ticket API: scoped lists and details, the officer's own list, and one action
per lifecycle step. Unsafe calls accept an ``Idempotency-Key``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import DateTimeField
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.errors import InvalidInput, PermissionDenied
from core.idempotency import IDEMPOTENCY_KEY, idempotent
from grid import selectors, services
from grid.api import serializers
from grid.filters import TicketFilter, age_colour
from grid.models import Ticket

MINE_PAGE_SIZE = 50
MINE_FIELDS = (
    "id",
    "reference",
    "category__name",
    "status",
    "description",
    "address",
    "lon",
    "lat",
    "stage_deadline",
    "overdue_since",
    "extension_requested_hours",
)


def _step(name, input_serializer, **extra):
    """Schema decoration shared by the lifecycle actions."""
    return extend_schema(
        request=input_serializer,
        responses=serializers.TicketDetailSerializer,
        parameters=[IDEMPOTENCY_KEY],
        operation_id=f"grid_tickets_{name}",
        **extra,
    )


class TicketCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TicketCategorySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.ticket_category_list()


class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Tickets in the user's scope; out of scope is 404 on every endpoint."""

    serializer_class = serializers.TicketSerializer
    filterset_class = TicketFilter
    ordering_fields = ["reported_at", "stage_deadline", "reference"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.TicketDetailSerializer
        if self.action == "mine":
            return serializers.MyTicketSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_contact"] = selectors.ticket_can_see_contact(
            user=self.request.user
        )
        return context

    def get_object(self):
        return selectors.ticket_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, ticket: Ticket, code=status.HTTP_200_OK) -> Response:
        ticket = selectors.ticket_get(user=self.request.user, pk=ticket.pk)
        data = serializers.TicketDetailSerializer(
            ticket, context=self.get_serializer_context()
        ).data
        return Response(data, status=code)

    def _input(self, serializer_class):
        form = serializer_class(
            data=self.request.data, context={"request": self.request}
        )
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)

    # ------------------------------------------------------------------ intake

    @extend_schema(
        request=serializers.TicketCreateSerializer,
        responses={201: serializers.TicketDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def create(self, request):
        """Staff enter a hotline call or a patrol finding."""
        if not selectors.user_scope(user=request.user).is_staff_member:
            raise PermissionDenied()
        data = self._input(serializers.TicketCreateSerializer)
        ticket = services.ticket_open(
            category=data["category"],
            source=data["source"],
            description=data["description"],
            lon=data["lon"],
            lat=data["lat"],
            address=data.get("address", ""),
            enterprise=data.get("enterprise"),
            reporter_contact=data.get("reporter_contact", ""),
            origin=f"staff:{request.user.username}",
            occurred_at=data.get("occurred_at"),
        )
        if not selectors.ticket_list(user=request.user).filter(pk=ticket.pk).exists():
            # Entered for another street: created, but not this user's to see.
            return Response(
                {"reference": ticket.reference}, status=status.HTTP_201_CREATED
            )
        return self._detail(ticket, status.HTTP_201_CREATED)

    # ------------------------------------------------------------------- reads

    @extend_schema(
        parameters=[OpenApiParameter("page", int, required=False)],
        responses=serializers.MyTicketPageSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def mine(self, request):
        """My open tickets, the nearest deadline first, 50 a page. The phone's
        hottest read: plain rows, no count (``next`` says if there is more)."""
        try:
            page = max(1, int(request.query_params.get("page") or 1))
        except ValueError as error:
            raise InvalidInput(fields={"page": [_("Give a page number.")]}) from error
        size = MINE_PAGE_SIZE
        rows = list(
            selectors.ticket_my_open(user=request.user).values(*MINE_FIELDS)[
                (page - 1) * size : page * size + 1
            ]
        )
        labels = {value: str(label) for value, label in Ticket.Status.choices}
        moment = DateTimeField()
        results = [
            {
                "id": row["id"],
                "reference": row["reference"],
                "category_name": row["category__name"],
                "status": row["status"],
                "status_label": labels[row["status"]],
                "description": row["description"],
                "address": row["address"],
                "lon": row["lon"],
                "lat": row["lat"],
                "stage_deadline": moment.to_representation(row["stage_deadline"])
                if row["stage_deadline"]
                else None,
                "overdue": row["overdue_since"] is not None,
                "extension_requested_hours": f"{row['extension_requested_hours']:.2f}"
                if row["extension_requested_hours"] is not None
                else None,
            }
            for row in rows[:size]
        ]
        following = None
        if len(rows) > size:
            following = request.build_absolute_uri(
                f"{request.path}?{urlencode({'page': page + 1})}"
            )
        return Response({"next": following, "results": results})

    @extend_schema(responses=serializers.DuplicateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def duplicates(self, request, pk=None):
        """Open tickets of the same category within 50 m and 24 h."""
        ticket = self.get_object()
        candidates = selectors.ticket_duplicate_candidates(
            category_id=ticket.category_id,
            lon=ticket.lon,
            lat=ticket.lat,
            at=ticket.reported_at,
            exclude_id=ticket.pk,
            user=request.user,
        )
        return Response(serializers.DuplicateSerializer(candidates, many=True).data)

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "properties": {
                    "count": {"type": "integer"},
                    "features": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    )
    @action(detail=False, methods=["get"], url_path="map", pagination_class=None)
    def map_points(self, request):
        """Open tickets as points, coloured by age (at most 5,000)."""
        rows = (
            self.filter_queryset(self.get_queryset())
            .filter(status__in=Ticket.OPEN_STATUSES)
            .values_list(
                "id",
                "reference",
                "lon",
                "lat",
                "reported_at",
                "status",
                "overdue_since",
            )
            .order_by("reported_at")[:5000]
        )
        features = [
            {
                "id": pk,
                "reference": reference,
                "lon": lon,
                "lat": lat,
                "status": state,
                "overdue": overdue is not None,
                "colour": age_colour(reported_at),
            }
            for pk, reference, lon, lat, reported_at, state, overdue in rows
        ]
        return Response({"count": len(features), "features": features})

    # -------------------------------------------------------------- officer steps

    @_step("accept", serializers.AcceptSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.AcceptSerializer)
        return self._detail(
            services.ticket_accept(ticket=ticket, user=request.user, **data)
        )

    @_step("hand_back", serializers.HandBackSerializer)
    @action(detail=True, methods=["post"], url_path="hand-back")
    @idempotent
    def hand_back(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.HandBackSerializer)
        return self._detail(
            services.ticket_hand_back(ticket=ticket, user=request.user, **data)
        )

    @_step("handle", serializers.HandleSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def handle(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.HandleSerializer)
        data["attachment_ids"] = data.pop("attachments", None)
        return self._detail(
            services.ticket_handle(ticket=ticket, user=request.user, **data)
        )

    @_step("request_extension", serializers.ExtensionRequestSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    @idempotent
    def request_extension(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.ExtensionRequestSerializer)
        return self._detail(
            services.ticket_request_extension(ticket=ticket, user=request.user, **data)
        )

    @extend_schema(
        request={"multipart/form-data": serializers.AttachmentUploadSerializer},
        responses={201: serializers.TicketAttachmentSerializer},
        parameters=[IDEMPOTENCY_KEY],
        methods=["POST"],
    )
    @extend_schema(
        responses=serializers.TicketAttachmentSerializer(many=True), methods=["GET"]
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    @idempotent
    def attachments(self, request, pk=None):
        """Evidence files; upload one per request (JPEG, PNG, WebP, HEIC, PDF)."""
        ticket = self.get_object()
        if request.method == "GET":
            return Response(
                serializers.TicketAttachmentSerializer(
                    ticket.attachments.all(), many=True
                ).data
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(fields={"file": [_("Choose a file to upload.")]})
        if not (
            ticket.assignee_id == request.user.pk
            or selectors.ticket_can_see_contact(user=request.user)
        ):
            raise PermissionDenied()
        attachment = services.attachment_add(
            ticket=ticket, upload=upload, user=request.user
        )
        return Response(
            serializers.TicketAttachmentSerializer(attachment).data,
            status=status.HTTP_201_CREATED,
        )

    # ---------------------------------------------------------------- staff steps

    @_step("dispatch", serializers.DispatchSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    @idempotent
    def dispatch_to(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.DispatchSerializer)
        return self._detail(
            services.ticket_dispatch(ticket=ticket, user=request.user, **data)
        )

    @_step("decide_extension", serializers.ExtensionDecisionSerializer)
    @action(detail=True, methods=["post"], url_path="decide-extension")
    @idempotent
    def decide_extension(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.ExtensionDecisionSerializer)
        return self._detail(
            services.ticket_decide_extension(ticket=ticket, user=request.user, **data)
        )

    @_step("verify", serializers.VerifySerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.VerifySerializer)
        return self._detail(
            services.ticket_verify(ticket=ticket, user=request.user, **data)
        )

    @_step("close", serializers.CloseSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.CloseSerializer)
        return self._detail(
            services.ticket_close(ticket=ticket, user=request.user, **data)
        )

    @_step("reject", serializers.RejectSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.RejectSerializer)
        return self._detail(
            services.ticket_reject(ticket=ticket, user=request.user, **data)
        )

    @_step("merge", serializers.MergeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def merge(self, request, pk=None):
        """Merge this ticket, a duplicate, into the original."""
        ticket = self.get_object()
        data = self._input(serializers.MergeSerializer)
        return self._detail(
            services.ticket_merge(
                duplicate=ticket,
                original=data["original"],
                user=request.user,
                note=data["note"],
            )
        )

    @_step("reopen", serializers.ReopenSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, pk=None):
        ticket = self.get_object()
        data = self._input(serializers.ReopenSerializer)
        return self._detail(
            services.ticket_reopen(ticket=ticket, user=request.user, **data)
        )
