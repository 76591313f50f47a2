"""Person-centred care and support plans: agreed for an order `[004 §3.2.9]`, reviewed at least
once a year `[002 §3.4]`, `[004 §3.8.3]`; the daily task alerts both sides to overdue reviews.
A plan has no workflow: a new plan replaces the current one (`is_current`)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import new_alert, raise_alerts, resolve_matching
from portal.models import Alert, User
from portal.roles import Capability
from portal.workflow import COUNCIL, PROVIDER

from .. import alerts
from ..models import (
    AgreedHow,
    CarePlan,
    CarePlanKind,
    IndividualServiceOrder,
    OrderStatus,
    ServiceUser,
    _one_year_after,
)
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
    agreed_how: str = AgreedHow.FACE_TO_FACE,
) -> CarePlan:
    """Record the plan agreed for an order, and how it was agreed (face to face, before the start
    or within 48 hours in an emergency `[004 §3.2.9]`). It becomes the current plan for the person
    with that provider; the next review is due within a year (by default exactly a year). Its
    "potential for greater independence" marks the order from the day agreed (Norfolk's N10)."""
    order = lock_order(order)
    _check_plan_actor(actor, order)
    if order.status in (OrderStatus.DRAFT, OrderStatus.DECLINED):
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: plans are for orders the provider has been issued."
        )
    if agreed_how not in AgreedHow.values:
        raise ValidationError({"agreed_how": "Say how the plan was agreed with the person."})
    not_in_future(agreed_on, "agreed_on")
    plan = CarePlan(
        service_user=order.service_user, provider_id=order.provider_id, order=order, agreed_on=agreed_on,
        next_review_due=next_review_due or _one_year_after(agreed_on), summary=summary,
        potential_for_greater_independence=potential_for_greater_independence, is_current=True,
        agreed_how=agreed_how,
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
    changes = {
        "agreed_on": [None, agreed_on],
        "agreed_how": [None, agreed_how],
        "next_review_due": [None, plan.next_review_due],
    }
    plan.save()
    audit.record(actor=actor, obj=plan, action="agreed", changes=changes)
    _mark_independence_potential(actor, order, potential_for_greater_independence, agreed_on)
    resolve_matching(
        kind=alerts.PLAN_NOT_AGREED,
        key=f"care_plan_agreement:{order.pk}",
        actor=actor,
        resolution=f"A plan was agreed ({plan.get_agreed_how_display().lower()}) on {agreed_on:%d %B %Y}.",
    )
    return plan


def _mark_independence_potential(
    actor: User | None, order: IndividualServiceOrder | None, potential: bool, day: dt.date
) -> None:
    """The plan's "Potential for greater independence?" on the order, with the day it was first
    identified (Yes) or cleared (No) `[004 §3.2.8]`; N10 counts the orders marked by a quarter's end."""
    if order is None:
        return
    current = order.independence_potential_on
    new = (current or day) if potential else None
    if new == current:
        return
    IndividualServiceOrder.objects.filter(pk=order.pk).update(independence_potential_on=new)
    order.independence_potential_on = new
    audit.record(
        actor=actor,
        obj=order,
        action="independence_potential",
        changes={"independence_potential_on": [current, new]},
    )


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
    if potential_for_greater_independence is not None:
        _mark_independence_potential(actor, plan.order, potential_for_greater_independence, reviewed_on)
    return plan


@transaction.atomic
def simple_plan_create(
    *,
    actor: User | None,
    service_user: ServiceUser,
    agreed_on: dt.date,
    emergency_contacts: str,
    risks: str = "",
    response_notes: str = "",
    next_review_due: dt.date | None = None,
) -> CarePlan:
    """Derby `[002 §3.4]`: the simpler plan the provider develops with a resident who is not a
    customer, so the 24/7 emergency response can reach them safely — contacts, risks to know, how
    to get in and communicate. No order stands behind it; the provider is the actor's organisation,
    which must hold a live contract covering the resident's scheme. Reviewed at least yearly."""
    if side_of(actor) != PROVIDER or actor is None:
        raise PermissionDenied("Only the provider agrees the simpler plan.")
    organisation = actor.organisation
    person = (
        ServiceUser.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=service_user.pk)
    )
    if person.scheme is None or not person.scheme.contracts.filter(provider=organisation).exists():
        raise ValidationError(
            {"service_user": "The resident lives in a scheme your contract does not cover."}
        )
    not_in_future(agreed_on, "agreed_on")
    plan = CarePlan(
        service_user=person,
        provider=organisation,
        kind=CarePlanKind.EMERGENCY_RESPONSE,
        agreed_on=agreed_on,
        next_review_due=next_review_due or _one_year_after(agreed_on),
        emergency_contacts=(emergency_contacts or "").strip(),
        risks=(risks or "").strip(),
        response_notes=(response_notes or "").strip(),
        is_current=True,
    )
    plan.full_clean()
    superseded = list(
        CarePlan.objects.select_for_update().filter(
            service_user=person, provider=organisation, is_current=True
        )
    )
    CarePlan.objects.filter(pk__in=[p.pk for p in superseded]).update(is_current=False)
    audit.record_many(
        actor=actor, objects=superseded, action="superseded", changes={"is_current": [True, False]}
    )
    plan.save()
    audit.record(
        actor=actor,
        obj=plan,
        action="agreed",
        changes={"kind": [None, plan.kind], "agreed_on": [None, agreed_on]},
    )
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
