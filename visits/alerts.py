"""The alert kinds visits raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

LATE = alert_kind("visit_late", "Visit with no start recorded", Capability.PROVIDER_RECORD)
MISSED_EXPLAIN = alert_kind("visit_missed_explain", "Missed visit to explain", Capability.PROVIDER_RECORD)
MISSED_COUNCIL = alert_kind("visit_missed", "Missed visit", Capability.BROKER)
RUN_NOTICE = alert_kind("visit_run_notice", "Visits in a row not delivered", Capability.BROKER)
