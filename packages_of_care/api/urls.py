from portal.api.routers import api_urls

from . import views, views_outcomes

app_name = "packages-of-care-api"

urlpatterns = api_urls(views) + api_urls(views_outcomes)
