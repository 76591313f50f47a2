from rest_framework.routers import SimpleRouter

app_name = "invoicing-api"

router = SimpleRouter()

urlpatterns = router.urls
