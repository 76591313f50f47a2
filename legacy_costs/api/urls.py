from portal.api.routers import api_urls

from . import views

app_name = "legacy-costs-api"

urlpatterns = api_urls(views)
