"""Writes for packages of care: keyword-only, atomic, audited, one verb each, by what they act on:

- `people`: the people care is bought for, and their referrals (Dorset's R1–R8);
- `orders`: drafting an order, changing a draft, varying it (a new version from a date);
- `lifecycle`: the order's moves (issue, accept, decline, suspend, end…) and the daily task;
- `temporary_variations`: extra hours over a date range, requested and decided;
- `absences` and `care_plans`.

Every move of a record with states goes through its table in `packages_of_care.workflows`. A
refused move raises `ValidationError` (a 400 in the API, an error on the page) and changes
nothing; an actor from the wrong side raises `PermissionDenied`. Capabilities (BROKER,
PROVIDER_MANAGE…) are checked by the views and API before a service is called; services check
the organisation, so no caller can act on another organisation's record by mistake.

`from packages_of_care import services` then `services.order_issue(...)`: the public services
are all here.
"""

from django.db.models import Model

from ..models import (
    Absence,
    CarePlan,
    IndividualServiceOrder,
    OrderOutcome,
    Referral,
    ServiceUser,
    TemporaryVariation,
)
from ..workflows import ORDER_WORKFLOW, allowed_order_actions
from .absences import absence_end, absence_record, absence_retainer_agree
from .care_plans import care_plan_create, care_plan_overdue_alerts, care_plan_review, simple_plan_create
from .lifecycle import (
    order_accept,
    order_decline,
    order_end,
    order_issue,
    order_resume,
    order_suspend,
    order_withdraw,
    orders_advance,
)
from .orders import order_create, order_update, order_vary
from .outcomes import care_plan_agreement_alerts, outcome_review_record
from .people import (
    referral_create,
    referral_decide,
    referral_end_service,
    referral_record_progress,
    referral_respond,
    service_user_create,
    service_user_update,
)
from .temporary_variations import (
    temporary_variation_approve,
    temporary_variation_record,
    temporary_variation_refuse,
    temporary_variation_request,
    temporary_variation_withdraw,
)

#: The order lifecycle's transition table (`workflows.ORDER_WORKFLOW`).
ORDER_TRANSITIONS = ORDER_WORKFLOW

#: What the services call the record they act on (`order_end(order=…)`), for the pages and API.
RECORD_ARGUMENTS: dict[type[Model], str] = {
    ServiceUser: "service_user",
    Referral: "referral",
    IndividualServiceOrder: "order",
    TemporaryVariation: "variation",
    Absence: "absence",
    CarePlan: "plan",
    OrderOutcome: "outcome",
}

__all__ = [
    "ORDER_TRANSITIONS",
    "RECORD_ARGUMENTS",
    "absence_end",
    "absence_retainer_agree",
    "absence_record",
    "allowed_order_actions",
    "care_plan_agreement_alerts",
    "care_plan_create",
    "care_plan_overdue_alerts",
    "care_plan_review",
    "order_accept",
    "order_create",
    "order_decline",
    "order_end",
    "order_issue",
    "order_resume",
    "order_suspend",
    "order_update",
    "order_vary",
    "order_withdraw",
    "outcome_review_record",
    "orders_advance",
    "referral_create",
    "simple_plan_create",
    "referral_decide",
    "referral_end_service",
    "referral_record_progress",
    "referral_respond",
    "service_user_create",
    "service_user_update",
    "temporary_variation_approve",
    "temporary_variation_record",
    "temporary_variation_refuse",
    "temporary_variation_request",
    "temporary_variation_withdraw",
]
