"""Keeps a kiosk session on the screen: a kiosk may open the screen, its data
and its static files, and log out; anything else is a 404 (as if it did not
exist), and every write is refused. The kiosk's address is checked against
``SCREEN_KIOSK_NETWORKS`` on every request, not only at login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from screen.models import Kiosk
from screen.services import address_allowed

SESSION_KEY = "screen_kiosk_id"
READ = ("GET", "HEAD")


def _allowed(request) -> bool:
    path = request.path_info
    if path.startswith(settings.STATIC_URL):
        return request.method in READ
    if path in (reverse("screen:screen"), reverse("screen-api:data")):
        return request.method in READ
    return path == reverse("screen:logout") and request.method == "POST"


class KioskMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kiosk_id = request.session.get(SESSION_KEY)
        if kiosk_id is None:
            return self.get_response(request)
        user = request.user
        valid = (
            user.is_authenticated
            and address_allowed(request.META.get("REMOTE_ADDR"))
            and Kiosk.objects.active().filter(pk=kiosk_id, user_id=user.pk).exists()
        )
        if not valid:
            logout(request)
            return HttpResponseRedirect(reverse("screen:login"))
        if not _allowed(request):
            raise Http404
        return self.get_response(request)
