"""How the city platform authenticates: ``Authorization: Bearer <key>`` with the
key of an exchange client (made with ``manage.py exchange_client``). The key is
accepted only by the exchange's read endpoints; everywhere else it is no
credential at all."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exchange import selectors, services
from exchange.models import ExchangeClient
from exchange.selectors import ClientPrincipal
from grid.permissions import IsBureauStaff

KEYWORD = b"bearer"


class ExchangeClientAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Send the key as: Authorization: Bearer <key>.")
            )
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The exchange key is not valid.")) from None
        client = selectors.client_by_key(key=key)
        if client is None:
            raise AuthenticationFailed(_("The exchange key is not valid or revoked."))
        services.exchange_client_touch(client=client)
        return services.client_principal(client=client), client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="exchange"'


class ExchangeClientScheme(OpenApiAuthenticationExtension):
    target_class = "exchange.api.auth.ExchangeClientAuthentication"
    name = "exchangeKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Key of an exchange client (the city platform), read-only.",
        }


class CanReadExchange(BasePermission):
    """A city client reads (never writes) its districts; bureau staff read
    their own district's exports too."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ClientPrincipal):
            return (
                request.method in SAFE_METHODS
                and user.client is not None
                and user.client.scope == ExchangeClient.Scope.CITY
            )
        return IsBureauStaff().has_permission(request, view)
