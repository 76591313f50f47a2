"""The alert kinds invoicing raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

BLOCK_REVIEW_TO_DECIDE = alert_kind(
    "block_review_to_decide", "Block-volume review to decide", Capability.COMMISSION
)
BLOCK_REVIEW_DECIDED = alert_kind(
    "block_review_decided", "Block-volume review decided", Capability.PROVIDER_MANAGE
)
INVOICE_TO_SUBMIT = alert_kind("invoice_to_submit", "Invoice to submit", Capability.PROVIDER_MANAGE)
INVOICE_TO_REVIEW = alert_kind("invoice_to_review", "Invoice to review", Capability.COMMISSION)
PACKAGE_HOURS_TO_REVIEW = alert_kind(
    "package_hours_to_review", "Package hours to review", Capability.COMMISSION
)
# Alerts with email=True are ones people must act on: they are emailed (portal.notifications).
INVOICE_DISPUTED = alert_kind("invoice_disputed", "Invoice disputed", Capability.PROVIDER_MANAGE, email=True)
DISPUTE_TO_RESOLVE = alert_kind("dispute_to_resolve", "Dispute to resolve", Capability.COMMISSION)
DISPUTE_RESOLVED = alert_kind("dispute_resolved", "Dispute resolved", Capability.PROVIDER_MANAGE)
INVOICE_TO_PAY = alert_kind("invoice_to_pay", "Invoice to pay", Capability.COMMISSION)
INVOICE_APPROVED = alert_kind("invoice_approved", "Invoice approved", Capability.PROVIDER_MANAGE)
INVOICE_PAID = alert_kind("invoice_paid", "Invoice paid", Capability.PROVIDER_MANAGE, email=True)
OVER_TOLERANCE = alert_kind(
    "hours_over_tolerance", "Hours over the commissioned hours for 4 weeks", Capability.BROKER
)
CREDIT_NOTE_TO_AGREE = alert_kind(
    "credit_note_to_agree", "Credit note to check and agree", Capability.PROVIDER_MANAGE
)
