from portal.api.routers import api_urls

from . import views

app_name = "continuing-care-api"

urlpatterns = api_urls(views)
