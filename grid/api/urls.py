from rest_framework.routers import DefaultRouter

from grid.api import tickets, views

app_name = "grid-api"
router = DefaultRouter()
router.register("districts", views.DistrictViewSet, basename="district")
router.register("streets", views.StreetViewSet, basename="street")
router.register("cells", views.GridCellViewSet, basename="cell")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register(
    "ticket-categories", tickets.TicketCategoryViewSet, basename="ticket-category"
)
router.register("tickets", tickets.TicketViewSet, basename="ticket")
urlpatterns = router.urls
