from django.urls import path

from grid import views

app_name = "grid"
urlpatterns = [
    path("cells.geojson", views.cells_geojson, name="cells-geojson"),
]
