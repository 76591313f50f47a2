"""The alert kinds of the NHS children's complex care, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

# Continuing-care eligibility is reviewed; the commissioner hears before the review is due [001 P2 §1.3]
ELIGIBILITY_REVIEW = alert_kind(
    "continuing-care-review", "Continuing care eligibility review due", Capability.COMMISSION
)
