from django.urls import path

from grid import ticket_views, views

app_name = "grid"
urlpatterns = [
    path("cells.geojson", views.cells_geojson, name="cells-geojson"),
    path("tickets/", ticket_views.ticket_list, name="ticket-list"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket-new"),
    path("tickets/map/", ticket_views.ticket_map, name="ticket-map"),
    path("tickets/board/", ticket_views.ticket_board, name="ticket-board"),
    path("tickets/<int:pk>/", ticket_views.ticket_detail, name="ticket-detail"),
    path(
        "tickets/<int:pk>/act/<slug:step>/",
        ticket_views.ticket_act,
        name="ticket-act",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_id>/",
        ticket_views.ticket_attachment,
        name="ticket-attachment",
    ),
]
