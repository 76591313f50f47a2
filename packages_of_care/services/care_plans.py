"""Person-centred care and support plans: agreed for an order `[004 §3.2.9]`, reviewed at least
once a year `[002 §3.4]`, `[004 §3.8.3]`; the daily task alerts both sides to overdue reviews.
A plan has no workflow: a new plan replaces the current one (`is_current`)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import new_alert, raise_alerts, resolve_matching
from portal.models import Alert, User
from portal.roles import Capability
from portal.workflow import COUNCIL, PROVIDER

from .. import alerts
from ..models import CarePlan, IndividualServiceOrder, OrderStatus, _one_year_after
from .common import lock_order, not_in_future, require_organisation, side_of

PLAN_FIELDS = ["last_reviewed_on", "next_review_due", "summary", "potential_for_greater_independence"]
PARTIES = "the order's commissioner or provider"


def _review_alert_key(plan: CarePlan) -> str:
    return f"care_plan:{plan.pk}:{plan.next_review_due:%Y-%m-%d}"


def _check_plan_actor(actor: User | None, order: IndividualServiceOrder) -> None:
    side = side_of(actor)
    if side == COUNCIL:
        require_organisation(actor, order.commissioner_id, PARTIES)
    elif side == PROVIDER:
        require_organisation(actor, order.provider_id, PARTIES)


@transaction.atomic
def care_plan_create(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    agreed_on: dt.date,
    next_review_due: dt.date | None = None,
    summary: str = "",
    potential_for_greater_independence: bool = False,
) -> CarePlan:
    """Record the plan agreed for an order. It becomes the current plan for the person with that
    provider; the next review is due within a year (by default exactly a year)."""
    order = lock_order(order)
    _check_plan_actor(actor, order)
    if order.status in (OrderStatus.DRAFT, OrderStatus.DECLINED):
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: plans are for orders the provider has been issued."
        )
    not_in_future(agreed_on, "agreed_on")
    plan = CarePlan(
        service_user=order.service_user, provider_id=order.provider_id, order=order, agreed_on=agreed_on,
        next_review_due=next_review_due or _one_year_after(agreed_on), summary=summary,
        potential_for_greater_independence=potential_for_greater_independence, is_current=True,
    )  # fmt: skip
    plan.full_clean()
    superseded = list(
        CarePlan.objects.select_for_update().filter(
            service_user=order.service_user, provider_id=order.provider_id, is_current=True
        )
    )
    CarePlan.objects.filter(pk__in=[p.pk for p in superseded]).update(is_current=False)
    resolve_matching(
        kind=alerts.REVIEW_OVERDUE,
        key=[_review_alert_key(old) for old in superseded],
        actor=actor,
        resolution="A new plan replaced it.",
    )
    audit.record_many(
        actor=actor, objects=superseded, action="superseded", changes={"is_current": [True, False]}
    )
    changes = {"agreed_on": [None, agreed_on], "next_review_due": [None, plan.next_review_due]}
    plan.save()
    audit.record(actor=actor, obj=plan, action="agreed", changes=changes)
    return plan


@transaction.atomic
def care_plan_review(
    *,
    actor: User | None,
    plan: CarePlan,
    reviewed_on: dt.date,
    next_review_due: dt.date | None = None,
    summary: str | None = None,
    potential_for_greater_independence: bool | None = None,
) -> CarePlan:
    """Record a review; the next falls no more than a year after it."""
    plan = (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("order", "service_user")
        .get(pk=plan.pk)
    )
    if plan.order is not None:
        _check_plan_actor(actor, plan.order)
    else:
        require_organisation(actor, plan.provider_id, "the plan's provider")
    if not plan.is_current:
        raise ValidationError("This plan has been replaced: review the current one.")
    last = plan.last_reviewed_on or plan.agreed_on
    if reviewed_on is None or reviewed_on < last:
        raise ValidationError({"reviewed_on": f"The review cannot be before the last one ({last:%d %B %Y})."})
    not_in_future(reviewed_on, "reviewed_on")
    before = audit.snapshot(plan, PLAN_FIELDS)
    old_key = _review_alert_key(plan)
    plan.last_reviewed_on = reviewed_on
    plan.next_review_due = next_review_due or _one_year_after(reviewed_on)
    if summary is not None:
        plan.summary = summary
    if potential_for_greater_independence is not None:
        plan.potential_for_greater_independence = potential_for_greater_independence
    plan.full_clean()
    plan.save()
    resolve_matching(kind=alerts.REVIEW_OVERDUE, key=old_key, actor=actor, resolution="Reviewed.")
    reviewed = audit.diff(before, audit.snapshot(plan, PLAN_FIELDS))
    audit.record(actor=actor, obj=plan, action="reviewed", changes=reviewed)
    return plan


@transaction.atomic
def care_plan_overdue_alerts(*, today: dt.date | None = None) -> int:
    """The daily task: alert the provider and the commissioner's brokerage to every current plan
    whose review is overdue. One read and one bulk insert; raising again is a no-op."""
    day = today or timezone.localdate()
    overdue = CarePlan.objects.overdue_on(day).select_related("service_user", "provider")
    content_type = ContentType.objects.get_for_model(CarePlan)
    new_alerts: list[Alert] = []
    for plan in overdue.iterator(chunk_size=2000):
        common = {
            "kind": alerts.REVIEW_OVERDUE,
            "key": _review_alert_key(plan),
            "title": f"Care plan review overdue for {plan.service_user.name}: it was due by {plan.next_review_due:%d %b %Y}"[
                :300
            ],
            "url": plan.get_absolute_url(),
            "content_type": content_type,
            "object_id": str(plan.pk),
        }
        new_alerts.append(
            new_alert(recipient_id=plan.provider_id, capability=Capability.PROVIDER_RECORD, **common)
        )
        new_alerts.append(new_alert(recipient_id=plan.service_user.commissioner_id, **common))
    return raise_alerts(new_alerts)
