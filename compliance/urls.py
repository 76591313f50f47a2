from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.ProviderListView.as_view(), name="provider-list"),
    path("providers/<int:pk>/", views.ProviderComplianceView.as_view(), name="provider-detail"),
    path("ratings/new/", views.RatingCreateView.as_view(), name="rating-create"),
    path(
        "notices/<int:pk>/", views.RatingNotificationDetailView.as_view(), name="rating-notification-detail"
    ),
    path(
        "notices/<int:pk>/send/", views.RatingNotificationSendView.as_view(), name="rating-notification-send"
    ),
    path(
        "notices/<int:pk>/accept/",
        views.RatingNotificationAcceptView.as_view(),
        name="rating-notification-accept",
    ),
    path(
        "notices/<int:pk>/action-plan/",
        views.ActionPlanView.as_view(),
        name="rating-notification-action-plan",
    ),
    path("notices/<int:pk>/plan/", views.ActionPlanSendView.as_view(), name="rating-notification-plan"),
    path("notices/<int:pk>/timescale/", views.TimescaleView.as_view(), name="rating-notification-timescale"),
    path(
        "notices/<int:pk>/return/",
        views.RatingNotificationReturnView.as_view(),
        name="rating-notification-return",
    ),
    path("notices/<int:pk>/report/", views.InspectionReportView.as_view(), name="rating-notification-report"),
    path("terms/", views.ComplianceTermsView.as_view(), name="terms"),
    path("duties/", views.DutyListView.as_view(), name="duty-list"),
    path("duties/new/", views.DutyCreateView.as_view(), name="duty-create"),
    path("duties/<int:pk>/", views.DutyDetailView.as_view(), name="duty-detail"),
    path("duties/<int:pk>/send/", views.DutySendView.as_view(), name="duty-send"),
    path("duties/<int:pk>/decide/", views.DutyDecideView.as_view(), name="duty-decide"),
    path("insurance/new/", views.InsuranceCreateView.as_view(), name="insurance-create"),
    path("insurance/<int:pk>/certificate/", views.InsuranceDocumentView.as_view(), name="insurance-document"),
    path("insurance/requirements/", views.RequirementListView.as_view(), name="requirement-list"),
    path(
        "insurance/requirements/<int:pk>/remove/",
        views.RequirementRemoveView.as_view(),
        name="requirement-remove",
    ),
    path("policies/new/", views.PolicyCreateView.as_view(), name="policy-create"),
    path("policies/<int:pk>/document/", views.PolicyDocumentView.as_view(), name="policy-document"),
    path("capacity/", views.CapacityView.as_view(), name="capacity"),
    path("capacity/new/", views.CapacityCreateView.as_view(), name="capacity-create"),
]
