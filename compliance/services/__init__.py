"""Writes for provider compliance: keyword-only, atomic, audited; alerts to the other side.

- `ratings`: inspections and the notices each council's terms ask for, the action plan's timescale,
  its acceptance or return `[004 §8.1.7]`, `[002 §4.3]`;
- `records`: insurance, policies, weekly capacity;
- `duties`: a council's compliance terms, safeguarding escalation `[003 §7.9]`, the provider's
  other dated duties (significant change, serious-harm reviews, safeguarding lead,
  self-assessment, sub-contracting consent);
- `checks`: the periodic check that raises and resolves the dated alerts.

`from compliance import services` then `services.rating_record(...)`.
"""

from .checks import SYNCED_KINDS, compliance_alerts_raise
from .common import INSURANCE_EXPIRY, POLICY_EXPIRY, ExpiryAlerts, end_of_day
from .duties import (
    compliance_terms_set,
    duty_alerts,
    duty_decide,
    duty_record,
    duty_send,
    safeguarding_escalate,
)
from .ratings import (
    rating_notification_accept,
    rating_notification_agree_timescale,
    rating_notification_return,
    rating_notification_send,
    rating_notification_submit_plan,
    rating_record,
)
from .records import (
    capacity_report,
    insurance_certificate_add,
    insurance_requirement_remove,
    insurance_requirement_set,
    policy_add,
)

__all__ = [
    "INSURANCE_EXPIRY",
    "POLICY_EXPIRY",
    "SYNCED_KINDS",
    "ExpiryAlerts",
    "capacity_report",
    "compliance_alerts_raise",
    "compliance_terms_set",
    "duty_alerts",
    "duty_decide",
    "duty_record",
    "duty_send",
    "end_of_day",
    "insurance_certificate_add",
    "insurance_requirement_remove",
    "insurance_requirement_set",
    "policy_add",
    "rating_notification_accept",
    "rating_notification_agree_timescale",
    "rating_notification_return",
    "rating_notification_send",
    "rating_notification_submit_plan",
    "rating_record",
    "safeguarding_escalate",
]
