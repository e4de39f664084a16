from django.urls import path
from rest_framework.routers import SimpleRouter

from exchange.api import views
from exchange.datasets import DATASETS

app_name = "exchange-api"
router = SimpleRouter()
router.register("export-files", views.ExportFileViewSet, basename="export-file")
router.register(
    "city-list-entries", views.CityListEntryViewSet, basename="city-list-entry"
)
router.register(
    "city-list-imports", views.CityListImportViewSet, basename="city-list-import"
)
urlpatterns = [
    path("datasets/", views.DatasetIndexView.as_view(), name="dataset-index"),
    *[
        path(f"{name}/", views.export_view(dataset).as_view(), name=name)
        for name, dataset in DATASETS.items()
    ],
    *router.urls,
]
