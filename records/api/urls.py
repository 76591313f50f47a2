from rest_framework.routers import SimpleRouter

app_name = "records-api"

router = SimpleRouter()

urlpatterns = router.urls
