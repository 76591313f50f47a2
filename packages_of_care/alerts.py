"""The alert kinds packages of care raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

ORDER_ISSUED = alert_kind(
    "order_awaiting_acceptance", "Order awaiting acceptance", Capability.PROVIDER_MANAGE
)
ORDER_DECLINED = alert_kind("order_declined", "Order declined", Capability.BROKER)
VARIATION_REQUESTED = alert_kind(
    "temporary_variation_requested", "Temporary variation to decide", Capability.BROKER
)
REVIEW_OVERDUE = alert_kind("care_plan_review_overdue", "Care plan review overdue", Capability.BROKER)
