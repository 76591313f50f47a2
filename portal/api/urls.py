from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CommissionerViewSet, MeView, ProviderViewSet

app_name = "portal-api"

router = SimpleRouter()
router.register("commissioners", CommissionerViewSet, basename="commissioner")
router.register("providers", ProviderViewSet, basename="provider")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
