from django.urls import path

from . import views

app_name = "procurement"

urlpatterns = [
    path("", views.ProcurementIndexView.as_view(), name="index"),
    path(
        "frameworks/<int:pk>/providers/", views.FrameworkProvidersView.as_view(), name="framework-providers"
    ),
    path("lots/<int:pk>/criteria/", views.LotCriteriaView.as_view(), name="lot-criteria"),
    path("lots/<int:pk>/apply/", views.MembershipApplyView.as_view(), name="membership-apply"),
    path("lots/<int:pk>/add-provider/", views.MembershipAddView.as_view(), name="membership-add"),
    path("criteria/<int:pk>/remove/", views.CriterionRemoveView.as_view(), name="criterion-remove"),
    path("memberships/", views.MembershipListView.as_view(), name="membership-list"),
    path("memberships/<int:pk>/", views.MembershipDetailView.as_view(), name="membership-detail"),
    path("memberships/<int:pk>/decide/", views.MembershipDecideView.as_view(), name="membership-decide"),
    path(
        "memberships/<int:pk>/withdraw/", views.MembershipWithdrawView.as_view(), name="membership-withdraw"
    ),
    path("calloffs/", views.CallOffListView.as_view(), name="calloff-list"),
    path("calloffs/new/", views.CallOffCreateView.as_view(), name="calloff-create"),
    path("calloffs/<int:pk>/", views.CallOffDetailView.as_view(), name="calloff-detail"),
    path("calloffs/<int:pk>/edit/", views.CallOffUpdateView.as_view(), name="calloff-update"),
    path("calloffs/<int:pk>/publish/", views.CallOffPublishView.as_view(), name="calloff-publish"),
    path("calloffs/<int:pk>/cancel/", views.CallOffCancelView.as_view(), name="calloff-cancel"),
    path("calloffs/<int:pk>/award/", views.CallOffAwardView.as_view(), name="calloff-award"),
    path("calloffs/<int:pk>/bids.csv", views.CallOffBidsExportView.as_view(), name="calloff-bids-export"),
    path("calloffs/<int:pk>/bid/", views.BidSubmitView.as_view(), name="bid-submit"),
    path("bids/<int:pk>/", views.BidDetailView.as_view(), name="bid-detail"),
    path("bids/<int:pk>/withdraw/", views.BidWithdrawView.as_view(), name="bid-withdraw"),
    path("bids/<int:pk>/score/", views.BidScoreView.as_view(), name="bid-score"),
]
