from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.models import Notification
from core.notifications import notification_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "category",
            "title",
            "body",
            "url",
            "urgent",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=1000,
        help_text="Omit to mark all read.",
    )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_fields = ["category", "urgent"]

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer(
            "MarkReadResult", {"marked": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notification_mark_read(
            user=request.user, ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked})

    @extend_schema(
        responses=inline_serializer(
            "UnreadCount", {"unread": serializers.IntegerField()}
        )
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().unread().count()})
