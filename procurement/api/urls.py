from rest_framework.routers import SimpleRouter

from .views import BidViewSet, CallOffViewSet, EntryCriterionViewSet, MembershipViewSet

app_name = "procurement-api"

router = SimpleRouter()
router.register("entry-criteria", EntryCriterionViewSet, basename="entry-criterion")
router.register("lot-memberships", MembershipViewSet, basename="membership")
router.register("calloffs", CallOffViewSet, basename="calloff")
router.register("bids", BidViewSet, basename="bid")

urlpatterns = router.urls
