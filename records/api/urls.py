from portal.api.routers import api_urls

from . import views, views_complaints

app_name = "records-api"

urlpatterns = api_urls(views) + api_urls(views_complaints)
