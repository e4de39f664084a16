"""Token login for phones: one revocable token per device (django-rest-knox)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle

from core import twofactor
from core.errors import InvalidInput

TokenResponse = inline_serializer(
    "TokenResponse",
    fields={
        "expiry": serializers.DateTimeField(allow_null=True),
        "token": serializers.CharField(),
        "user": inline_serializer(
            "TokenUser", fields={"username": serializers.CharField()}
        ),
    },
)


class TokenLoginSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Code from the authenticator app, for users with two-factor login.",
    )


class TokenLoginView(knox_views.LoginView):
    """POST username and password; get a token for this device."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = TokenLoginSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=TokenLoginSerializer, responses={200: TokenResponse})
    def post(self, request, format=None):
        # The plain HttpRequest, so that a lockout is seen by the axes middleware.
        serializer = TokenLoginSerializer(
            data=request.data, context={"request": request._request}
        )
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        code = serializer.validated_data.get("otp_token")
        if not twofactor.token_login_second_factor(user, code):
            raise InvalidInput(
                fields={"otp_token": [_("Enter the code from your authenticator app.")]}
            )
        request.user = user
        return super().post(request, format=format)


class TokenLogoutView(knox_views.LogoutView):
    """Revoke the token this request was made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)


class TokenLogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of this user (all devices)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)
