from rest_framework.routers import SimpleRouter

app_name = "visits-api"

router = SimpleRouter()

urlpatterns = router.urls
