from rest_framework.routers import SimpleRouter

app_name = "procurement-api"

router = SimpleRouter()

urlpatterns = router.urls
