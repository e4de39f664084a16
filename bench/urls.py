"""The project's URLs plus the bare JSON view every benchmark is compared with."""

from django.http import JsonResponse
from django.urls import include, path


def bare_json(request):
    """The floor of a request: the same middleware and session authentication as
    the API, a tiny JSON body, no domain work."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "not authenticated"}, status=401)
    return JsonResponse({"ok": True, "user": request.user.pk})


urlpatterns = [
    path("bench/bare/", bare_json, name="bench-bare"),
    path("", include("config.urls")),
]
