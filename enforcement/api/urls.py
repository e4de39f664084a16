from rest_framework.routers import DefaultRouter

from enforcement.api import views

app_name = "enforcement-api"
router = DefaultRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
urlpatterns = router.urls
