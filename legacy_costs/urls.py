from django.urls import path

from . import views

app_name = "legacy_costs"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="index"),
    path("contracts/<int:pk>/", views.ContractLegacyView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/raise/", views.InvoiceRaiseView.as_view(), name="invoice-raise"),
    path("contracts/<int:pk>/agree/", views.ListAgreeView.as_view(), name="list-agree"),
    path("contracts/<int:pk>/staff/new/", views.StaffAddView.as_view(), name="staff-add"),
    path("staff/<int:pk>/end/", views.StaffEndView.as_view(), name="staff-end"),
    path("staff/<int:pk>/lgps/", views.LgpsFigureRecordView.as_view(), name="lgps-figure-record"),
]
