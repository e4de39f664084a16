from rest_framework.routers import DefaultRouter

app_name = "monitoring-api"
router = DefaultRouter()
urlpatterns = router.urls
