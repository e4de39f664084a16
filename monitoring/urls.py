from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.board, name="home"),
    path("boards/<slug:name>/", views.board, name="board"),
    path("map/", views.station_map, name="station-map"),
    path("map/stations.geojson", views.station_map_data, name="map-data"),
    path("stations/<int:pk>/", views.station_detail, name="station-detail"),
    path("alarms/", views.alarm_list, name="alarm-list"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm-detail"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey-detail"),
    path("tracing/", views.tracing, name="tracing"),
    path("review/", views.review, name="review"),
]
