"""The alert kinds the records raise, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

# [004 §8.5.5] the council asked for information on a complaint: due in 10 working days.
INFORMATION_REQUESTED = alert_kind(
    "complaint_information_requested",
    "Complaint information requested by the council",
    Capability.PROVIDER_MANAGE,
)
INFORMATION_RETURNED = alert_kind(
    "complaint_information_returned", "Complaint information returned", Capability.COMMISSION
)
