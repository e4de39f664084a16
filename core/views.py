from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def healthz(request):
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def lockout_response(request, original_response=None, credentials=None):
    """Answer for a username locked after repeated failures: the same for known and
    unknown users; JSON in the API's error format for API calls."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    if request.path.startswith("/api/"):
        body = {
            "detail": _("Too many failed attempts; try again later."),
            "code": "locked_out",
            "fields": {},
        }
        return JsonResponse(body, status=429)
    return render(request, "registration/locked.html", status=429)
