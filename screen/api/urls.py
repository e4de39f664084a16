from django.urls import path

from screen.api import views

app_name = "screen-api"

urlpatterns = [
    path("data/", views.ScreenDataView.as_view(), name="data"),
]
