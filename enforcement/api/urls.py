from django.urls import path
from rest_framework.routers import DefaultRouter

from enforcement.api import health, joint, planning, records, views

app_name = "enforcement-api"
router = DefaultRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register(
    "checklist-templates",
    records.ChecklistTemplateViewSet,
    basename="checklist-template",
)
router.register("inspections", records.InspectionViewSet, basename="inspection")
router.register(
    "inspection-photos", records.InspectionPhotoViewSet, basename="inspection-photo"
)
router.register("violations", records.ViolationViewSet, basename="violation")
router.register("penalties", records.PenaltyDecisionViewSet, basename="penalty")
router.register(
    "rectifications", records.RectificationOrderViewSet, basename="rectification"
)
router.register("health-codes", health.HealthCodeViewSet, basename="health-code")
router.register("risk-models", health.RiskModelViewSet, basename="risk-model")
router.register("recompute-runs", health.RecomputeRunViewSet, basename="recompute-run")
router.register("plans", planning.PlanViewSet, basename="plan")
router.register("recusals", planning.RecusalViewSet, basename="recusal")
router.register("joint-cases", joint.JointCaseViewSet, basename="joint-case")
router.register(
    "joint-invitations", joint.JointInvitationViewSet, basename="joint-invitation"
)
router.register("joint-actions", joint.JointActionViewSet, basename="joint-action")
router.register("joint-measures", joint.JointMeasureViewSet, basename="joint-measure")
router.register("joint-rechecks", joint.JointRecheckViewSet, basename="joint-recheck")
router.register("joint-evidence", joint.JointEvidenceViewSet, basename="joint-evidence")
urlpatterns = [
    path(
        "health-overview/",
        health.HealthOverviewView.as_view(),
        name="health-overview",
    ),
    *router.urls,
]
