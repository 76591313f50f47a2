from rest_framework.routers import SimpleRouter

from .views import (
    BlockVolumeReviewViewSet,
    InvoiceDisputeViewSet,
    InvoiceLineViewSet,
    InvoiceViewSet,
    RemittanceViewSet,
)

app_name = "invoicing-api"

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("invoice-lines", InvoiceLineViewSet, basename="invoice-line")
router.register("invoice-disputes", InvoiceDisputeViewSet, basename="invoice-dispute")
router.register("remittances", RemittanceViewSet, basename="remittance")
router.register("block-reviews", BlockVolumeReviewViewSet, basename="block-review")

urlpatterns = router.urls
