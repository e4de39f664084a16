from rest_framework.routers import DefaultRouter

app_name = "credit-api"
router = DefaultRouter()
urlpatterns = router.urls
