from django.urls import path

from . import views

app_name = "schemes"

urlpatterns = [
    path("", views.SchemeIndexView.as_view(), name="index"),
    path("frameworks/<int:pk>/", views.FrameworkDetailView.as_view(), name="framework-detail"),
    path("lots/<int:pk>/", views.LotDetailView.as_view(), name="lot-detail"),
    path("<int:pk>/", views.SchemeDetailView.as_view(), name="scheme-detail"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/new/", views.ContractCreateView.as_view(), name="contract-create"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/change/", views.ContractChangeView.as_view(), name="contract-change"),
    path(
        "contracts/<int:pk>/unplanned-hours/new/",
        views.ContractUnplannedHoursView.as_view(),
        name="contract-unplanned-hours",
    ),
    path(
        "contracts/<int:pk>/rates/new/", views.ContractRateCreateView.as_view(), name="contract-rate-create"
    ),
]
