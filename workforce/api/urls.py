from rest_framework.routers import SimpleRouter

app_name = "workforce-api"

router = SimpleRouter()

urlpatterns = router.urls
