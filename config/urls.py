from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api.auth import TokenLoginView, TokenLogoutAllView, TokenLogoutView
from enforcement import views as enforcement_views

api_v1 = [
    path("auth/login/", TokenLoginView.as_view(), name="token-login"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token-logout"),
    path("auth/logout-all/", TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("core/", include("core.api.urls")),
    path("grid/", include("grid.api.urls")),
    path("enforcement/", include("enforcement.api.urls")),
    path("credit/", include("credit.api.urls")),
    path("monitoring/", include("monitoring.api.urls")),
    path("hazwaste/", include("hazwaste.api.urls")),
    path("screen/", include("screen.api.urls")),
    path("exchange/", include("exchange.api.urls")),
]

urlpatterns = [
    # QR sticker pages, /c/<token>/: the busiest public URL is matched first
    path("c/", include("credit.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="api-docs",
    ),
    path("", enforcement_views.dashboard, name="dashboard"),
    path("map/", enforcement_views.map_page, name="map"),
    path("m/", enforcement_views.mobile_home, name="mobile-home"),
    path("m/tickets/", include("grid.mobile_urls")),
    path("report/", include("grid.public_urls")),
    path("open311/v2/", include("grid.open311_urls")),
    path("", include("core.urls")),
    path("grid/", include("grid.urls")),
    path("enterprises/", include("enforcement.urls")),
    path("joint/", include("enforcement.joint_urls")),
    path("credit/", include("credit.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("hazwaste/", include("hazwaste.urls")),
    path("screen/", include("screen.urls")),
    path("exchange/", include("exchange.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
handler404 = "core.views.page_not_found"  # JSON under /api/, HTML elsewhere
