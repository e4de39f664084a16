from rest_framework.routers import DefaultRouter

from hazwaste.api import views

app_name = "hazwaste-api"
router = DefaultRouter()
router.register("waste-codes", views.WasteCodeViewSet, basename="waste-code")
router.register("receivers", views.ReceiverViewSet, basename="receiver")
router.register("carriers", views.CarrierViewSet, basename="carrier")
router.register("producers", views.ProducerViewSet, basename="producer")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("declarations", views.DeclarationViewSet, basename="declaration")
router.register("containers", views.ContainerViewSet, basename="container")
router.register("ledger", views.LedgerEntryViewSet, basename="ledger-entry")
router.register("manifests", views.ManifestViewSet, basename="manifest")
router.register("rules", views.AnomalyRuleViewSet, basename="rule")
router.register("warnings", views.AnomalyWarningViewSet, basename="warning")
urlpatterns = router.urls
