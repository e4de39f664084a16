from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from credit import selectors, services
from credit.api import serializers as s
from enforcement import selectors as enforcement_selectors
from grid.permissions import IsBureauStaff


def _enterprise(request, pk):
    return enforcement_selectors.enterprise_get(user=request.user, pk=pk)


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    """Scheme versions with their questionnaire and colour rule."""

    serializer_class = s.SchemeSerializer
    queryset = selectors.scheme_list()
    filterset_fields = ["is_active"]


class CycleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.CycleSerializer
    filterset_fields = ["state", "scheme"]

    def get_queryset(self):
        return selectors.cycle_list(user=self.request.user).prefetch_related("streets")

    def get_permissions(self):
        if self.action in ("create", "close", "notice", "publish"):
            return [IsBureauStaff()]
        return [IsAuthenticated()]

    @extend_schema(request=s.CycleOpenSerializer, responses={201: s.CycleSerializer})
    def create(self, request):
        data = s.CycleOpenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        cycle = services.cycle_open(user=request.user, **data.validated_data)
        return Response(self._read(cycle), status=status.HTTP_201_CREATED)

    def _read(self, cycle) -> dict:
        """The cycle as the list shows it (with its counts), after a change."""
        return s.CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data

    def _transition(self, service):
        cycle = service(cycle=self.get_object(), user=self.request.user)
        return Response(self._read(cycle))

    @extend_schema(request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close self-assessment; compute every preliminary colour."""
        return self._transition(services.cycle_close_self_assessment)

    @extend_schema(request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        """Start the public notice of the proposed results."""
        return self._transition(services.cycle_start_notice)

    @extend_schema(request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the final colours and issue stickers (after the notice)."""
        return self._transition(services.cycle_publish)


class EvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Evaluations in the user's scope (an enterprise user sees only its own)."""

    serializer_class = s.EvaluationSerializer
    filterset_fields = ["cycle", "proposed_colour", "final_colour", "enterprise"]

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)

    @extend_schema(request=s.SelfAssessmentSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"], url_path="self-assessment")
    def self_assessment(self, request, pk=None):
        evaluation = self.get_object()
        data = s.SelfAssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {
            code: {
                "value": (given or {}).get("value"),
                "note": (given or {}).get("note", ""),
                "evidence": request.FILES.get(f"evidence_{code}"),
            }
            for code, given in data.validated_data["answers"].items()
        }
        evaluation = services.evaluation_self_assess(
            evaluation=evaluation, user=request.user, answers=answers
        )
        return Response(s.EvaluationSerializer(evaluation).data)

    @extend_schema(request=s.AdjustSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def adjust(self, request, pk=None):
        data = s.AdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_adjust(
            evaluation=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.EvaluationSerializer(evaluation).data)

    @extend_schema(
        request=s.ObjectionSerializer, responses={201: s.ObjectionSerializer}
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        data = s.ObjectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_file(
            evaluation=self.get_object(),
            user=request.user,
            text=data.validated_data["text"],
        )
        return Response(
            s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED
        )


class ObjectionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ObjectionSerializer
    filterset_fields = ["state", "evaluation"]

    def get_queryset(self):
        return selectors.objection_list(user=self.request.user)

    @extend_schema(
        request=s.ObjectionResolveSerializer, responses=s.ObjectionSerializer
    )
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def resolve(self, request, pk=None):
        data = s.ObjectionResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_resolve(
            objection=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.ObjectionSerializer(objection).data)


class CreditCodeViewSet(viewsets.ReadOnlyModelViewSet):
    """Published colours and their history."""

    serializer_class = s.CreditCodeSerializer
    filterset_fields = ["enterprise", "colour", "is_current", "source"]

    def get_queryset(self):
        return selectors.code_list(user=self.request.user)

    @extend_schema(request=s.ReasonSerializer, responses={201: None})
    @action(
        detail=False,
        methods=["post"],
        url_path=r"enterprise/(?P<enterprise_id>\d+)/reissue-sticker",
        permission_classes=[IsBureauStaff],
    )
    def reissue_sticker(self, request, enterprise_id=None):
        """Issue a new sticker; the old one's page then says it is outdated."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sticker_reissue(
            enterprise=_enterprise(request, enterprise_id),
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(status=status.HTTP_201_CREATED)


class AppealViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.AppealSerializer
    filterset_fields = ["state", "enterprise"]

    def get_queryset(self):
        return selectors.appeal_list(user=self.request.user)

    def create(self, request):
        data = s.AppealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_file(
            enterprise=_enterprise(request, data.validated_data["enterprise"].pk),
            user=request.user,
            reason=data.validated_data["reason"],
            evidence=data.validated_data.get("evidence"),
        )
        return Response(s.AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionSerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def decide(self, request, pk=None):
        data = s.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_decide(
            appeal=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.AppealSerializer(appeal).data)


class ReplyViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ReplySerializer
    filterset_fields = ["state", "enterprise"]

    def get_queryset(self):
        return selectors.reply_list(user=self.request.user)

    def create(self, request):
        data = s.ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.reply_submit(
            enterprise=_enterprise(request, data.validated_data["enterprise"].pk),
            user=request.user,
            text=data.validated_data["text"],
        )
        return Response(s.ReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ModerationSerializer, responses=s.ReplySerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def moderate(self, request, pk=None):
        data = s.ModerationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.reply_moderate(
            reply=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.ReplySerializer(reply).data)


class RepairViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.RepairSerializer
    filterset_fields = ["state", "enterprise"]

    def get_queryset(self):
        return selectors.repair_list(user=self.request.user)

    def create(self, request):
        data = s.RepairSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.repair_request(
            enterprise=_enterprise(request, data.validated_data["enterprise"].pk),
            user=request.user,
            corrective_actions=data.validated_data["corrective_actions"],
            evidence=data.validated_data.get("evidence"),
        )
        return Response(s.RepairSerializer(repair).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RepairScheduleSerializer, responses=s.RepairSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def schedule(self, request, pk=None):
        data = s.RepairScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.repair_schedule_inspection(
            repair=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.RepairSerializer(repair).data)

    @extend_schema(request=s.RepairVerifySerializer, responses=s.RepairSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def verify(self, request, pk=None):
        data = s.RepairVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.repair_verify(
            repair=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.RepairSerializer(repair).data)


class NightWorkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Night-work applications: green approved at once, yellow queued for the
    same day, red refused."""

    serializer_class = s.NightWorkSerializer
    filterset_fields = ["state", "enterprise"]

    def get_queryset(self):
        return selectors.night_work_list(user=self.request.user)

    def create(self, request):
        data = s.NightWorkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        application = services.night_work_apply(
            enterprise=_enterprise(request, values.pop("enterprise").pk),
            user=request.user,
            **values,
        )
        return Response(
            s.NightWorkSerializer(application).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.ModerationSerializer, responses=s.NightWorkSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsBureauStaff])
    def decide(self, request, pk=None):
        data = s.ModerationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.night_work_decide(
            application=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(s.NightWorkSerializer(application).data)


class PublicThrottle(AnonRateThrottle):
    scope = "credit_public"
    rate = "120/min"


class PublicStickerView(RetrieveAPIView):
    """The public facts behind a sticker token (whitelisted fields only)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]
    serializer_class = s.PublicProfileSerializer

    def get_object(self):
        lookup = selectors.sticker_lookup(token=self.kwargs["token"])
        if lookup is None:
            raise Http404
        return selectors.public_profile(
            lookup=lookup, hotline=settings.COMPLAINT_HOTLINE
        )


class PublishedResultsView(ListAPIView):
    """Published (or under-notice) results of one cycle, public fields only."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicThrottle]
    serializer_class = s.PublishedResultSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("sector", str, required=False),
            OpenApiParameter("street", int, required=False),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        cycle = get_object_or_404(
            selectors.published_cycle_list(), pk=self.kwargs["pk"]
        )
        try:
            street = int(self.request.query_params.get("street") or 0) or None
        except ValueError:
            street = None
        return selectors.published_results(
            cycle=cycle,
            sector=self.request.query_params.get("sector", ""),
            street=street,
        )
