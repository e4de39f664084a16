from rest_framework.routers import DefaultRouter

app_name = "hazwaste-api"
router = DefaultRouter()
urlpatterns = router.urls
