from rest_framework.routers import SimpleRouter

from .views import (
    CapacitySnapshotViewSet,
    InsuranceCertificateViewSet,
    InsuranceRequirementViewSet,
    ProviderComplianceViewSet,
    ProviderPolicyViewSet,
    RatingChangeViewSet,
    RatingNotificationViewSet,
)

app_name = "compliance-api"

router = SimpleRouter()
router.register("provider-compliance", ProviderComplianceViewSet, basename="provider-compliance")
router.register("rating-changes", RatingChangeViewSet, basename="rating-change")
router.register("rating-notifications", RatingNotificationViewSet, basename="rating-notification")
router.register("insurance-certificates", InsuranceCertificateViewSet, basename="insurance-certificate")
router.register("insurance-requirements", InsuranceRequirementViewSet, basename="insurance-requirement")
router.register("policies", ProviderPolicyViewSet, basename="policy")
router.register("capacity-snapshots", CapacitySnapshotViewSet, basename="capacity-snapshot")

urlpatterns = router.urls
