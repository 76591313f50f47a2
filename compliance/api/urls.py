from rest_framework.routers import SimpleRouter

app_name = "compliance-api"

router = SimpleRouter()

urlpatterns = router.urls
