from portal.api.routers import api_urls

from . import views

app_name = "packages-of-care-api"

urlpatterns = api_urls(views)
