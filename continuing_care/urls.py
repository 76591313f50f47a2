from django.urls import path

from . import views

app_name = "continuing_care"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/eligibility/", views.EligibilityRecordView.as_view(), name="eligibility-record"),
    path("people/<int:pk>/health-plan/", views.HealthPlanRecordView.as_view(), name="health-plan-record"),
    path("people/<int:pk>/delegation/", views.DelegationRecordView.as_view(), name="delegation-record"),
    path(
        "people/<int:pk>/quality-check/", views.QualityCheckRecordView.as_view(), name="quality-check-record"
    ),
    path("mileage/new/", views.MileageAgreementCreateView.as_view(), name="mileage-agreement-create"),
    path("mileage/<int:pk>/", views.MileageAgreementDetailView.as_view(), name="mileage-agreement-detail"),
    path("mileage/claim/", views.MileageClaimCreateView.as_view(), name="mileage-claim-create"),
    path("mobilisation/new/", views.MobilisationPlanCreateView.as_view(), name="mobilisation-create"),
    path("mobilisation/<int:pk>/", views.MobilisationDetailView.as_view(), name="mobilisation-detail"),
    path(
        "mobilisation/<int:pk>/agency-cost/", views.AgencyCostRecordView.as_view(), name="agency-cost-record"
    ),
    path("milestones/<int:pk>/", views.MilestoneUpdateView.as_view(), name="milestone-update"),
]
