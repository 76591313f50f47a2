"""The alert kinds compliance raises, declared once (`portal.alerts`)."""

from portal.alerts import alert_kind
from portal.roles import Capability

RATING_NOTIFY = alert_kind("rating-notify", "Rating below Good to notify", Capability.PROVIDER_MANAGE)
PROVIDER_RATING = alert_kind("provider-rating-below-good", "Provider rated below Good", Capability.COMMISSION)
ACTION_PLAN = alert_kind("action-plan-received", "Action plan to review", Capability.COMMISSION)
ACTION_PLAN_ACCEPTED = alert_kind("action-plan-accepted", "Action plan accepted", Capability.PROVIDER_MANAGE)
# Alerts with email=True are compliance items coming due, which people must act on: they are
# emailed (portal.notifications).
INSURANCE_EXPIRING = alert_kind(
    "insurance-expiring", "Insurance expiring", Capability.PROVIDER_MANAGE, email=True
)
INSURANCE_EXPIRED = alert_kind("insurance-expired", "Insurance expired", Capability.PROVIDER_MANAGE)
PROVIDER_INSURANCE = alert_kind(
    "provider-insurance-gap", "Provider's insurance short of your requirement", Capability.COMMISSION
)
POLICY_DUE = alert_kind("policy-review-due", "Policy review due", Capability.PROVIDER_MANAGE, email=True)
POLICY_OVERDUE = alert_kind("policy-review-overdue", "Policy review overdue", Capability.PROVIDER_MANAGE)
TRAINING = alert_kind("training-overdue", "Training overdue", Capability.PROVIDER_RECORD)
# Inspections and rating notices [004 §8.1.7], [002 §4.3]
INSPECTION_REPORT = alert_kind("inspection-report", "Inspection outcome received", Capability.COMMISSION)
ACTION_PLAN_DUE = alert_kind("action-plan-due", "Action plan due", Capability.PROVIDER_MANAGE, email=True)
ACTION_PLAN_RETURNED = alert_kind("action-plan-returned", "Action plan returned", Capability.PROVIDER_MANAGE)
# Safeguarding goes to the council at once, and stays open until someone there acknowledges it [003 §7.9]
SAFEGUARDING = alert_kind("safeguarding-escalated", "Safeguarding concern", Capability.COMMISSION)
# Other dated duties [004 §3.4.1, §8.2.2], [002 §4.8, §5, §6.4], [003 §11]
DUTY_DUE = alert_kind("duty-due", "Notice or return due to a council", Capability.PROVIDER_MANAGE, email=True)
DUTY_RECEIVED = alert_kind("duty-received", "Provider's notice or request", Capability.COMMISSION)
DUTY_DECIDED = alert_kind("duty-decided", "Council's answer to your request", Capability.PROVIDER_MANAGE)
# Vetting and the workforce data set [002 §6.1], [003 §7.4, §9.2]
VETTING = alert_kind("vetting-gaps", "Staff vetting incomplete", Capability.PROVIDER_MANAGE)
RIGHT_TO_WORK = alert_kind("right-to-work-ending", "Right to work ending", Capability.PROVIDER_MANAGE)
ASC_WDS = alert_kind("asc-wds-below-target", "ASC-WDS records below target", Capability.PROVIDER_MANAGE)
