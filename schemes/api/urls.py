from rest_framework.routers import SimpleRouter

from .views import ContractViewSet, FrameworkViewSet, LotViewSet, SchemeViewSet

app_name = "schemes-api"

router = SimpleRouter()
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("lots", LotViewSet, basename="lot")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("contracts", ContractViewSet, basename="contract")

urlpatterns = router.urls
