"""The wall screen page and the kiosk's login and logout."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screen import services
from screen.forms import KioskLoginForm
from screen.middleware import SESSION_KEY
from screen.permissions import may_view_screen


@require_GET
@login_required
def screen(request):
    """Full-screen, dark, self-refreshing; the page is a shell that draws the data
    endpoint's answer every ``SCREEN_REFRESH_SECONDS``."""
    if not may_view_screen(request.user):
        raise PermissionDenied
    return render(
        request,
        "screen/screen.html",
        {
            "refresh_seconds": settings.SCREEN_REFRESH_SECONDS,
            "is_kiosk": SESSION_KEY in request.session,
            "strings": {
                "no_data": _("No data"),
                "not_connected": _("No data: joint enforcement is not connected yet."),
                "none_this_week": _("No joint actions this week."),
                "no_alarms": _("No alarms today."),
                "aqi": _("AQI"),
                "sections": _("Sections"),
                "open": _("Open"),
                "overdue": _("Overdue"),
                "enterprises": _("Enterprises"),
                "stale": _("Connection lost; showing the last data."),
            },
        },
    )


@require_http_methods(["GET", "POST"])
def kiosk_login(request):
    """Log a wall screen in with its kiosk key, from an allowed network only."""
    address = request.META.get("REMOTE_ADDR")
    allowed = services.address_allowed(address)
    form = KioskLoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not allowed:
            status = 403
        elif form.is_valid():
            kiosk = services.kiosk_authenticate(
                key=form.cleaned_data["key"], address=address
            )
            if kiosk is not None:
                login(
                    request,
                    kiosk.user,
                    backend="django.contrib.auth.backends.ModelBackend",
                )
                request.session[SESSION_KEY] = kiosk.pk
                request.session.set_expiry(settings.SCREEN_KIOSK_SESSION_DAYS * 86400)
                return redirect("screen:screen")
            form.add_error("key", _("Unknown or inactive kiosk key."))
            status = 400
        else:
            status = 400
    return render(
        request,
        "screen/kiosk_login.html",
        {"form": form, "allowed": allowed},
        status=403 if not allowed else status,
    )


@require_POST
def kiosk_logout(request):
    logout(request)
    return redirect("screen:login")
