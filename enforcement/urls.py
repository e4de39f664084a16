from django.urls import path

from enforcement.views import enterprises, health, planning, records

app_name = "enforcement"
urlpatterns = [
    path("", enterprises.enterprise_list, name="enterprise-list"),
    path("<int:pk>/", enterprises.enterprise_detail, name="enterprise-detail"),
    path("import/", enterprises.enterprise_import, name="enterprise-import"),
    path("export.csv", enterprises.enterprise_export, name="enterprise-export"),
    # health code
    path("health/", health.health_overview, name="health-overview"),
    path("health/recompute/", health.health_recompute, name="health-recompute"),
    # the enforcement record
    path("<int:pk>/inspections/new/", records.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/", records.inspection_detail, name="inspection-detail"),
    path(
        "inspections/photos/<int:pk>/",
        records.inspection_photo_file,
        name="inspection-photo",
    ),
    path("<int:pk>/violations/new/", records.violation_new, name="violation-new"),
    path("violations/<int:pk>/", records.violation_detail, name="violation-detail"),
    path(
        "violations/<int:pk>/<slug:action>/",
        records.case_action,
        name="case-action",
    ),
    # inspection planning
    path("plans/", planning.plan_list, name="plan-list"),
    path("plans/new/", planning.plan_new, name="plan-new"),
    path("plans/<int:pk>/", planning.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/close/", planning.plan_close, name="plan-close"),
    path("plans/<int:pk>/public/", planning.plan_public, name="plan-public"),
]
