"""The alert kinds procurement raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

APPLICATION = alert_kind("membership-application", "Application to join a lot", Capability.COMMISSION)
MEMBERSHIP = alert_kind("membership-decision", "Decision on your lot membership", Capability.PROVIDER_MANAGE)
MEMBERSHIP_WITHDRAWN = alert_kind("membership-withdrawn", "Provider left a lot", Capability.COMMISSION)
CALLOFF_PUBLISHED = alert_kind("calloff-published", "Call-off open for bids", Capability.PROVIDER_MANAGE)
CALLOFF_CLOSED = alert_kind("calloff-closed", "Call-off closed: score and award", Capability.COMMISSION)
CALLOFF_OUTCOME = alert_kind("calloff-outcome", "Call-off outcome", Capability.PROVIDER_MANAGE)
