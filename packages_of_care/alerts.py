"""The alert kinds packages of care raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

# Alerts with email=True are ones people must act on: they are emailed (portal.notifications).
ORDER_ISSUED = alert_kind(
    "order_awaiting_acceptance", "Order awaiting acceptance", Capability.PROVIDER_MANAGE, email=True
)
ORDER_DECLINED = alert_kind("order_declined", "Order declined", Capability.BROKER)
VARIATION_REQUESTED = alert_kind(
    "temporary_variation_requested", "Temporary variation to decide", Capability.BROKER
)
# The council's answer to the provider's request for extra hours (issue 16: the provider was not told).
VARIATION_DECIDED = alert_kind(
    "temporary_variation_decided",
    "Decision on your temporary variation",
    Capability.PROVIDER_MANAGE,
    email=True,
)
REVIEW_OVERDUE = alert_kind("care_plan_review_overdue", "Care plan review overdue", Capability.BROKER)
# [004 §3.6.12] an outcome not being achieved needs a change in provision: the social worker acts.
OUTCOME_NOT_MET = alert_kind("outcome_not_met", "Outcome not being achieved", Capability.BROKER)
# [004 §3.2.9] no care plan agreed face to face before the start (48 hours in an emergency).
PLAN_NOT_AGREED = alert_kind(
    "care_plan_not_agreed", "Care plan not agreed face to face in time", Capability.BROKER
)
