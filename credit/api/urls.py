from django.urls import path
from rest_framework.routers import DefaultRouter

from credit.api import views

app_name = "credit-api"
router = DefaultRouter()
router.register("schemes", views.SchemeViewSet, basename="scheme")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("objections", views.ObjectionViewSet, basename="objection")
router.register("codes", views.CreditCodeViewSet, basename="code")
router.register("appeals", views.AppealViewSet, basename="appeal")
router.register("replies", views.ReplyViewSet, basename="reply")
router.register("repairs", views.RepairViewSet, basename="repair")
router.register("night-work", views.NightWorkViewSet, basename="night-work")
urlpatterns = [
    path(
        "public/stickers/<str:token>/",
        views.PublicStickerView.as_view(),
        name="public-sticker",
    ),
    path(
        "public/cycles/<int:pk>/results/",
        views.PublishedResultsView.as_view(),
        name="public-results",
    ),
    *router.urls,
]
