from rest_framework.routers import SimpleRouter

app_name = "kpis-api"

router = SimpleRouter()

urlpatterns = router.urls
