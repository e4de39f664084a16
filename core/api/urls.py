from rest_framework.routers import DefaultRouter

from core.api.notifications import NotificationViewSet

app_name = "core-api"
router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
