from django.urls import path
from rest_framework.routers import DefaultRouter

from monitoring.api import views

app_name = "monitoring-api"
router = DefaultRouter()
router.register("stations", views.StationViewSet, basename="station")
router.register("sensors", views.SensorViewSet, basename="sensor")
router.register("readings", views.ReadingViewSet, basename="reading")
router.register("hourly", views.HourlyRollupViewSet, basename="hourly")
router.register("daily", views.DailyRollupViewSet, basename="daily")
router.register("indices", views.StationIndexViewSet, basename="index")
router.register("rules", views.RuleViewSet, basename="rule")
router.register("alarms", views.AlarmViewSet, basename="alarm")
router.register("rejections", views.RejectionViewSet, basename="rejection")
router.register("surveys", views.SurveyViewSet, basename="survey")
urlpatterns = [
    path("tracing/", views.TracingView.as_view(), name="tracing"),
    path("boards/<slug:name>/", views.BoardView.as_view(), name="board"),
    *router.urls,
]
