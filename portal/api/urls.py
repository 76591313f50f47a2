from django.urls import path

from portal.webhooks import api as webhooks_api

from . import views
from .routers import api_urls

app_name = "portal-api"

urlpatterns = [path("me/", views.MeView.as_view(), name="me"), *api_urls(views), *api_urls(webhooks_api)]
