from django.urls import path

from . import views

app_name = "packages_of_care"

urlpatterns = [
    # People
    path("people/", views.ServiceUserListView.as_view(), name="service-user-list"),
    path("people/new/", views.ServiceUserCreateView.as_view(), name="service-user-create"),
    path("people/<int:pk>/", views.ServiceUserDetailView.as_view(), name="service-user-detail"),
    path("people/<int:pk>/edit/", views.ServiceUserEditView.as_view(), name="service-user-edit"),
    # Referrals
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path("referrals/new/", views.ReferralCreateView.as_view(), name="referral-create"),
    path("referrals/<int:pk>/", views.ReferralDetailView.as_view(), name="referral-detail"),
    path("referrals/<int:pk>/respond/", views.ReferralRespondView.as_view(), name="referral-respond"),
    path("referrals/<int:pk>/decide/", views.ReferralDecideView.as_view(), name="referral-decide"),
    path("referrals/<int:pk>/progress/", views.ReferralProgressView.as_view(), name="referral-progress"),
    path("referrals/<int:pk>/end/", views.ReferralEndView.as_view(), name="referral-end"),
    # Orders
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/export/", views.OrderExportView.as_view(), name="order-export"),
    path("orders/new/", views.OrderCreateView.as_view(), name="order-create"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/edit/", views.OrderEditView.as_view(), name="order-edit"),
    path("orders/<int:pk>/issue/", views.OrderIssueView.as_view(), name="order-issue"),
    path("orders/<int:pk>/withdraw/", views.OrderWithdrawView.as_view(), name="order-withdraw"),
    path("orders/<int:pk>/accept/", views.OrderAcceptView.as_view(), name="order-accept"),
    path("orders/<int:pk>/decline/", views.OrderDeclineView.as_view(), name="order-decline"),
    path("orders/<int:pk>/suspend/", views.OrderSuspendView.as_view(), name="order-suspend"),
    path("orders/<int:pk>/resume/", views.OrderResumeView.as_view(), name="order-resume"),
    path("orders/<int:pk>/end/", views.OrderEndView.as_view(), name="order-end"),
    path("orders/<int:pk>/vary/", views.OrderVaryView.as_view(), name="order-vary"),
    path(
        "orders/<int:pk>/temporary-variations/new/",
        views.TemporaryVariationCreateView.as_view(),
        name="temporary-variation-create",
    ),
    path("orders/<int:pk>/care-plans/new/", views.CarePlanCreateView.as_view(), name="care-plan-create"),
    # Temporary variations
    path(
        "temporary-variations/", views.TemporaryVariationListView.as_view(), name="temporary-variation-list"
    ),
    path(
        "temporary-variations/<int:pk>/",
        views.TemporaryVariationDetailView.as_view(),
        name="temporary-variation-detail",
    ),
    path(
        "temporary-variations/<int:pk>/approve/",
        views.TemporaryVariationApproveView.as_view(),
        name="temporary-variation-approve",
    ),
    path(
        "temporary-variations/<int:pk>/refuse/",
        views.TemporaryVariationRefuseView.as_view(),
        name="temporary-variation-refuse",
    ),
    path(
        "temporary-variations/<int:pk>/withdraw/",
        views.TemporaryVariationWithdrawView.as_view(),
        name="temporary-variation-withdraw",
    ),
    # Absences
    path("absences/", views.AbsenceListView.as_view(), name="absence-list"),
    path("absences/new/", views.AbsenceCreateView.as_view(), name="absence-create"),
    path("absences/<int:pk>/", views.AbsenceDetailView.as_view(), name="absence-detail"),
    path("absences/<int:pk>/end/", views.AbsenceEndView.as_view(), name="absence-end"),
    # Care and support plans
    path("care-plans/", views.CarePlanListView.as_view(), name="care-plan-list"),
    path("care-plans/<int:pk>/", views.CarePlanDetailView.as_view(), name="care-plan-detail"),
    path("care-plans/<int:pk>/review/", views.CarePlanReviewView.as_view(), name="care-plan-review"),
]
