from portal.api.routers import api_urls

from . import credit, terms, views

app_name = "invoicing-api"

urlpatterns = [*api_urls(views), *api_urls(terms), *api_urls(credit)]
