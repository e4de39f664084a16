"""Public citizen pages, mounted at /report/ (no login)."""

from django.urls import path

from grid import public_views

app_name = "grid-public"
urlpatterns = [
    path("", public_views.report, name="report"),
    path("status/", public_views.status_lookup, name="lookup"),
    path("status/<str:reference>/", public_views.status, name="status"),
    path(
        "status/<str:reference>/<slug:answer>/",
        public_views.respond,
        name="respond",
    ),
]
