"""The street officer's phone pages, mounted at /m/tickets/."""

from django.urls import path

from grid import mobile_views

app_name = "grid-mobile"
urlpatterns = [
    path("", mobile_views.my_tickets, name="list"),
    path("<int:pk>/", mobile_views.ticket, name="detail"),
]
