from django.urls import path

from hazwaste import review_views, views

app_name = "hazwaste"
urlpatterns = [
    path("", views.home, name="home"),
    path("producers/<int:pk>/", views.producer_detail, name="producer-detail"),
    path("manifests/", views.manifest_list, name="manifest-list"),
    path("manifests/<int:pk>/", views.manifest_detail, name="manifest-detail"),
    path("warnings/", views.warning_queue, name="warning-list"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning-detail"),
    path("warnings/<int:pk>/dismiss/", views.warning_dismiss, name="warning-dismiss"),
    path("warnings/<int:pk>/ticket/", views.warning_ticket, name="warning-ticket"),
    path(
        "warnings/<int:pk>/inspection/",
        views.warning_inspection,
        name="warning-inspection",
    ),
    path("ledger-review/", review_views.ledger_review, name="ledger-review"),
    path("map/", views.producer_map, name="map"),
    path("map/producers.json", views.producer_map_data, name="map-data"),
    path("m/", views.mobile_ledger, name="mobile-ledger"),
    path("c/<str:label>/", views.container_detail, name="container-detail"),
    path("c/<str:label>/label/", views.container_label, name="container-label"),
]
