from django.urls import path

from . import views, views_credit

app_name = "invoicing"

DOCUMENTS = ("summary", "schedule", "call-monitoring")
FORMATS = ("csv", "xlsx", "pdf")

urlpatterns = [
    path("", views.InvoiceListView.as_view(), name="index"),
    path("generate/", views.InvoiceGenerateView.as_view(), name="invoice-generate"),
    path("<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("<int:pk>/schedule/", views.InvoiceScheduleView.as_view(), name="invoice-schedule"),
    path(
        "<int:pk>/call-monitoring/", views.InvoiceCallMonitoringView.as_view(), name="invoice-call-monitoring"
    ),
    path("<int:pk>/submit/", views.InvoiceSubmitView.as_view(), name="invoice-submit"),
    path("<int:pk>/interest/", views.InterestInvoiceRaiseView.as_view(), name="interest-invoice-raise"),
    path("<int:pk>/withdraw/", views.InvoiceWithdrawView.as_view(), name="invoice-withdraw"),
    path("<int:pk>/changes/", views.InvoiceChangesView.as_view(), name="invoice-changes"),
    path("<int:pk>/regenerate/", views.InvoiceRegenerateView.as_view(), name="invoice-regenerate"),
    path("<int:pk>/approve/", views.InvoiceApproveView.as_view(), name="invoice-approve"),
    path("<int:pk>/dispute/", views.InvoiceDisputeView.as_view(), name="invoice-dispute"),
    path("<int:pk>/pay/", views.InvoicePayView.as_view(), name="invoice-pay"),
    path("<int:pk>/resolve/", views.DisputeResolveView.as_view(), name="dispute-resolve"),
    path("<int:pk>/hours-used/", views.InvoiceUsageView.as_view(), name="invoice-usage"),
    path("lines/<int:pk>/", views.LineDetailView.as_view(), name="line-detail"),
    path("remittances/<int:pk>/", views.RemittanceDetailView.as_view(), name="remittance-detail"),
    path("remittances/<int:pk>/pdf/", views.RemittancePdfView.as_view(), name="remittance-pdf"),
    path("remittances/<int:pk>/csv/", views_credit.RemittanceCsvView.as_view(), name="remittance-csv"),
    path("<int:pk>/credit-note/", views_credit.CreditNoteRaiseView.as_view(), name="credit-note-raise"),
    path("credit-notes/", views_credit.CreditNoteListView.as_view(), name="credit-note-list"),
    path("credit-notes/<int:pk>/", views_credit.CreditNoteDetailView.as_view(), name="credit-note-detail"),
    path("credit-notes/<int:pk>/pdf/", views_credit.CreditNotePdfView.as_view(), name="credit-note-pdf"),
    path(
        "credit-notes/<int:pk>/agree/", views_credit.CreditNoteAgreeView.as_view(), name="credit-note-agree"
    ),
    path(
        "credit-notes/<int:pk>/repaid/", views_credit.CreditNoteRepayView.as_view(), name="credit-note-repay"
    ),
    path("block-reviews/", views.BlockReviewListView.as_view(), name="block-review-list"),
    path("block-reviews/<int:pk>/", views.BlockReviewDetailView.as_view(), name="block-review-detail"),
    path("contracts/<int:pk>/terms/", views.InvoicingTermsView.as_view(), name="terms-edit"),
    path("contracts/<int:pk>/block-volumes/", views.BlockVolumeListView.as_view(), name="block-volume-list"),
    path(
        "contracts/<int:pk>/block-volumes/new/",
        views.BlockVolumeCreateView.as_view(),
        name="block-volume-create",
    ),
]

urlpatterns += [
    path(
        f"<int:pk>/{document}.{fmt}",
        views.InvoiceDocumentView.as_view(document=document, fmt=fmt),
        name=f"invoice-{document}-{fmt}",
    )
    for document in DOCUMENTS
    for fmt in FORMATS
]
