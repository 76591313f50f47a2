from rest_framework.routers import SimpleRouter

from .views import (
    AbsenceViewSet,
    CarePlanViewSet,
    OrderVersionViewSet,
    OrderViewSet,
    ReferralViewSet,
    ServiceUserViewSet,
    TemporaryVariationViewSet,
)

app_name = "packages-of-care-api"

router = SimpleRouter()
router.register("service-users", ServiceUserViewSet, basename="service-user")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("orders", OrderViewSet, basename="order")
router.register("order-versions", OrderVersionViewSet, basename="order-version")
router.register("temporary-variations", TemporaryVariationViewSet, basename="temporary-variation")
router.register("absences", AbsenceViewSet, basename="absence")
router.register("care-plans", CarePlanViewSet, basename="care-plan")

urlpatterns = router.urls
