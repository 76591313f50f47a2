"""Outcomes reviewed over time, and care plans agreed face to face in time.

Each outcome an order is bought for is reviewed with the person, and the care plan signals whether
it is being managed, achieved, or not being achieved and needs a change in provision
`[003 §3.16, 004 §3.6.10–12]`. A review saying "not being achieved" alerts the council's social
worker (brokerage); a later review saying otherwise closes the alert.

The plan is agreed face to face before the service starts, or within 48 hours in an emergency
`[004 §3.2.9]`: the daily task alerts both sides to orders whose deadline has passed without one
(`IndividualServiceOrder.objects.without_plan_agreed_in_time`).
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import new_alert, raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, User
from portal.roles import Capability

from .. import alerts
from ..models import IndividualServiceOrder, OrderOutcome, OrderStatus, OutcomeProgress, OutcomeReview
from .care_plans import _check_plan_actor
from .common import not_in_future


def _outcome_alert_key(outcome: OrderOutcome) -> str:
    return f"outcome:{outcome.pk}"


def plan_agreement_alert_key(order: IndividualServiceOrder) -> str:
    return f"care_plan_agreement:{order.pk}"


@transaction.atomic
def outcome_review_record(
    *, actor: User | None, outcome: OrderOutcome, reviewed_on: dt.date, status: str, note: str = ""
) -> OutcomeReview:
    """Record a review of an outcome's progress (provider or council). Not being achieved: the
    council's brokerage is alerted, with the note; any other finding closes that alert."""
    outcome = OrderOutcome.objects.select_related("version__order__service_user").get(pk=outcome.pk)
    order = outcome.version.order
    _check_plan_actor(actor, order)
    if order.status in (OrderStatus.DRAFT, OrderStatus.DECLINED):
        raise ValidationError("Outcomes are reviewed once the order is with the provider.")
    if status not in OutcomeProgress.values:
        raise ValidationError({"status": "Choose how the outcome is progressing."})
    if status == OutcomeProgress.NOT_ACHIEVED and not (note or "").strip():
        raise ValidationError({"note": "Say what is not working and what should change."})
    not_in_future(reviewed_on, "reviewed_on")
    review = OutcomeReview.objects.create(
        outcome=outcome,
        reviewed_on=reviewed_on,
        status=status,
        note=(note or "").strip(),
        reviewed_by=actor if actor is not None and actor.is_authenticated else None,
        organisation_id=getattr(actor, "organisation_id", None),
    )
    audit.record(
        actor=actor,
        obj=review,
        action="reviewed",
        changes={"status": [None, status]},
        note=f"{outcome.get_category_display()} on order {order.reference}",
    )
    key = _outcome_alert_key(outcome)
    if status == OutcomeProgress.NOT_ACHIEVED:
        raise_alert(
            recipient=order.commissioner,
            kind=alerts.OUTCOME_NOT_MET,
            key=key,
            title=f"Outcome not being achieved for {order.service_user.name}: {outcome.get_category_display()}"[
                :300
            ],
            detail=review.note,
            url=order.get_absolute_url(),
            obj=order,
        )
    else:
        resolve_matching(
            kind=alerts.OUTCOME_NOT_MET,
            key=key,
            actor=actor,
            resolution=f"Reviewed on {reviewed_on:%d %B %Y}: {review.get_status_display().lower()}.",
        )
    return review


@transaction.atomic
def care_plan_agreement_alerts(*, today: dt.date | None = None) -> int:
    """The daily task: alert the provider and the council's brokerage to every order in force whose
    care plan was not agreed face to face by its deadline `[004 §3.2.9]`. One read, one insert;
    raising again is a no-op."""
    day = today or timezone.localdate()
    orders = IndividualServiceOrder.objects.without_plan_agreed_in_time(day).select_related("service_user")
    content_type = ContentType.objects.get_for_model(IndividualServiceOrder)
    new_alerts: list[Alert] = []
    for order in orders.iterator(chunk_size=2000):
        common = {
            "kind": alerts.PLAN_NOT_AGREED,
            "key": plan_agreement_alert_key(order),
            "title": f"No care plan agreed face to face with {order.service_user.name} by {order.plan_deadline:%d %b %Y}"[
                :300
            ],
            "url": order.get_absolute_url(),
            "content_type": content_type,
            "object_id": str(order.pk),
        }
        new_alerts.append(
            new_alert(recipient_id=order.provider_id, capability=Capability.PROVIDER_MANAGE, **common)
        )
        new_alerts.append(new_alert(recipient_id=order.commissioner_id, **common))
    return raise_alerts(new_alerts)
