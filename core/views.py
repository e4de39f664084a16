from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import NotificationPreferenceForm
from core.models import Notification, NotificationPreference
from core.notifications import notification_mark_read


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
    if request.path.startswith("/api/"):
        body = {
            "detail": _("Too many failed attempts; try again later."),
            "code": "locked_out",
            "fields": {},
        }
        return JsonResponse(body, status=429)
    return render(request, "registration/locked.html", status=429)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
        notification_mark_read(user=request.user, ids=ids)
        return redirect("notifications")
    notifications = Notification.objects.for_user(request.user)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "core/notification_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference, _created = NotificationPreference.objects.get_or_create(
        user=request.user
    )
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Preferences saved."))
        return redirect("notification-preferences")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "core/notification_preferences.html", {"form": form}, status=status
    )


def page_not_found(request, exception=None):
    """404 for paths no route matches: the API's JSON error under /api/, the
    usual page elsewhere (a client of the API never gets HTML)."""
    from django.utils.translation import gettext as _
    from django.views.defaults import page_not_found as default_page_not_found

    if request.path.startswith("/api/"):
        body = {"detail": _("Not found."), "code": "not_found", "fields": {}}
        return JsonResponse(body, status=404)
    return default_page_not_found(request, exception)
