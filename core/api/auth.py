"""Token login for phones: one revocable token per device (django-rest-knox)."""

from drf_spectacular.utils import extend_schema
from knox.views import LoginView as KnoxLoginView
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle


class TokenLoginView(KnoxLoginView):
    """POST username and password; get a token for this device."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=AuthTokenSerializer)
    def post(self, request, format=None):
        serializer = AuthTokenSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        request._force_auth_user = user
        request.user = user
        return super().post(request, format=format)
