from rest_framework.routers import SimpleRouter

app_name = "packages-of-care-api"

router = SimpleRouter()

urlpatterns = router.urls
