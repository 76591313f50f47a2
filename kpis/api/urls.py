from rest_framework.routers import SimpleRouter

from .views import KpiDefinitionViewSet, KpiReturnViewSet, KpiValueViewSet

app_name = "kpis-api"

router = SimpleRouter()
router.register("kpis/definitions", KpiDefinitionViewSet, basename="definition")
router.register("kpis/returns", KpiReturnViewSet, basename="return")
router.register("kpis/values", KpiValueViewSet, basename="value")

urlpatterns = router.urls
