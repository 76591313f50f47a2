"""An order's moves through its lifecycle, each through `workflows.ORDER_WORKFLOW`: brokerage
issues, withdraws, suspends, resumes and ends it; the provider accepts or declines it; the
portal's daily task starts and ends orders on their dates. A refused move raises
`ValidationError` and changes nothing; an actor from the wrong side raises `PermissionDenied`.
The order's row is locked first, so two people clicking at once cannot both succeed."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import resolve_matching
from portal.models import User

from .. import alerts
from ..models import IndividualServiceOrder, OrderStatus, PlaceOfDeath, ServiceEndReason
from ..workflows import ORDER_WORKFLOW
from .common import alert_about, check_decline_reason, lock_order, require_side, required_text, today

ORDER_PROVIDER = "the provider the order was issued to"


def _take(order: IndividualServiceOrder, action: str, actor: User | None) -> IndividualServiceOrder:
    """Lock the order and check the move: the actor's side, then the order's state."""
    order = lock_order(order)
    require_side(
        ORDER_WORKFLOW[action].side,
        actor,
        commissioner_id=order.commissioner_id,
        provider_id=order.provider_id,
        provider=ORDER_PROVIDER,
    )
    ORDER_WORKFLOW.check(order, action)
    return order


def _alert_key(order: IndividualServiceOrder, moment: dt.datetime) -> str:
    # One alert per issue (or decline): a re-issued order gets a fresh one, as resolved alerts
    # are never reopened.
    return f"order:{order.pk}:{moment:%Y%m%dT%H%M%S%f}"


def _resolve_order_alerts(order: IndividualServiceOrder, *, actor: User | None, resolution: str) -> None:
    for kind, moment in ((alerts.ORDER_ISSUED, order.issued_at), (alerts.ORDER_DECLINED, order.responded_at)):
        if moment is not None:
            resolve_matching(kind=kind, key=_alert_key(order, moment), actor=actor, resolution=resolution)


@transaction.atomic
def order_issue(*, actor: User | None, order: IndividualServiceOrder) -> IndividualServiceOrder:
    """Brokerage issues the order to the provider, who is asked to accept or decline it."""
    order = _take(order, "issue", actor)
    if not order.contract.is_live_on(order.start_date):
        raise ValidationError({"start_date": "The order must start while the contract is in force."})
    if order.provider_id != order.contract.provider_id:
        raise ValidationError({"provider": "The provider must be the contract's provider."})
    if order.status == OrderStatus.DECLINED:
        _resolve_order_alerts(order, actor=actor, resolution="Issued again.")
    changes = {"decline_reason": [order.decline_reason, ""]} if order.decline_reason else {}
    order.issued_at, order.issued_by = timezone.now(), actor
    order.responded_at = order.responded_by = None
    order.decline_reason = order.decline_detail = ""
    ORDER_WORKFLOW.apply(order, "issue", actor=actor, changes=changes)
    title = f"Accept or decline order {order.reference} for {order.service_user.name}, starting {order.start_date:%d %b %Y}"
    key = _alert_key(order, order.issued_at)
    alert_about(order, to=order.provider, kind=alerts.ORDER_ISSUED, key=key, title=title)
    return order


@transaction.atomic
def order_withdraw(
    *, actor: User | None, order: IndividualServiceOrder, reason: str = ""
) -> IndividualServiceOrder:
    """Brokerage takes back an issued order before the provider answers; it is a draft again."""
    order = _take(order, "withdraw", actor)
    _resolve_order_alerts(order, actor=actor, resolution="Withdrawn by the council.")
    ORDER_WORKFLOW.apply(order, "withdraw", actor=actor, note=reason)
    return order


@transaction.atomic
def order_accept(*, actor: User | None, order: IndividualServiceOrder) -> IndividualServiceOrder:
    """The provider accepts the order. It becomes active at once if its start date has come,
    otherwise on the start date (the daily task)."""
    order = _take(order, "accept", actor)
    order.responded_at, order.responded_by = timezone.now(), actor
    ORDER_WORKFLOW.apply(order, "accept", actor=actor)
    _resolve_order_alerts(order, actor=actor, resolution="Accepted.")
    if order.start_date <= today():
        ORDER_WORKFLOW.apply(
            order,
            "activate",
            actor=None,
            note=f"Accepted on or after its start date ({order.start_date:%d %B %Y}).",
        )
    return order


@transaction.atomic
def order_decline(
    *, actor: User | None, order: IndividualServiceOrder, reason: str, detail: str = ""
) -> IndividualServiceOrder:
    """The provider declines the order with a reason; it returns to brokerage, who may change it
    (to another provider too) and issue it again."""
    order = _take(order, "decline", actor)
    check_decline_reason(reason, detail)
    _resolve_order_alerts(order, actor=actor, resolution="Declined.")
    order.responded_at, order.responded_by = timezone.now(), actor
    order.decline_reason, order.decline_detail = reason, detail
    ORDER_WORKFLOW.apply(order, "decline", actor=actor, changes={"decline_reason": ["", reason]}, note=detail)
    reason_said = order.get_decline_reason_display().lower()
    title = (
        f"{order.provider.name} declined order {order.reference} for {order.service_user.name}: {reason_said}"
    )
    key = _alert_key(order, order.responded_at)
    alert_about(order, to=order.commissioner, kind=alerts.ORDER_DECLINED, key=key, title=title)
    return order


@transaction.atomic
def order_suspend(
    *, actor: User | None, order: IndividualServiceOrder, reason: str
) -> IndividualServiceOrder:
    """Brokerage pauses an active order, saying why."""
    reason = required_text(reason, "reason", "Say why the order is suspended.")
    order = _take(order, "suspend", actor)
    order.suspended_reason = reason[:200]
    ORDER_WORKFLOW.apply(order, "suspend", actor=actor, note=reason)
    return order


@transaction.atomic
def order_resume(*, actor: User | None, order: IndividualServiceOrder) -> IndividualServiceOrder:
    """Brokerage makes a suspended order active again."""
    order = _take(order, "resume", actor)
    reason, order.suspended_reason = order.suspended_reason, ""
    ORDER_WORKFLOW.apply(order, "resume", actor=actor, changes={"suspended_reason": [reason, ""]})
    return order


@transaction.atomic
def order_end(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    end_date: dt.date,
    reason: str,
    detail: str = "",
    place_of_death: str = "",
) -> IndividualServiceOrder:
    """Brokerage ends the order on a date, with the reason (and, when the person died, where: for
    Norfolk's end-of-life discussion `[004 App. 4]`). The order is in force up to and including
    that day: it is ended at once if the day has passed, else by the daily task the day after
    (until then brokerage may move the date)."""
    if reason not in ServiceEndReason.values:
        raise ValidationError({"reason": "Choose why the order ends."})
    if place_of_death and (reason != ServiceEndReason.DIED or place_of_death not in PlaceOfDeath.values):
        raise ValidationError({"place_of_death": "Say where the person died only when they died."})
    if reason == ServiceEndReason.OTHER and not (detail or "").strip():
        raise ValidationError({"detail": "Give details when the reason is “Other”."})
    order = _take(order, "end", actor)
    if end_date < order.start_date:
        raise ValidationError(
            {"end_date": f"The end date cannot be before the start ({order.start_date:%d %B %Y})."}
        )
    if order.contract.end_date and end_date > order.contract.end_date:
        raise ValidationError({"end_date": f"The contract ends on {order.contract.end_date:%d %B %Y}."})
    changes: dict[str, list[Any]] = {
        "end_date": [order.end_date, end_date],
        "end_reason": [order.end_reason, reason],
    }
    if place_of_death or order.place_of_death:
        changes["place_of_death"] = [order.place_of_death, place_of_death]
    order.end_date, order.end_reason, order.end_detail = end_date, reason, detail
    order.place_of_death = place_of_death
    if end_date < today():
        order.ended_at = timezone.now()
        ORDER_WORKFLOW.apply(order, "end", actor=actor, changes=changes, note=detail)
    else:  # the end date decides when it is ended: the daily task ends it the day after
        order.save()
        audit.record(actor=actor, obj=order, action="end date set", changes=changes, note=detail)
    return order


def _bulk_move(action: str, orders: list[IndividualServiceOrder], *, note: str = "", **fields: object) -> int:
    """Move many orders with one UPDATE and one audit INSERT (the daily task)."""
    transition = ORDER_WORKFLOW[action]
    IndividualServiceOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
        status=transition.target, updated_at=timezone.now(), **fields
    )
    audit.record_many(
        actor=None,
        objects=orders,
        action=transition.verb,
        changes=lambda o: {"status": [o.status, transition.target]},
        note=note,
    )
    return len(orders)


@transaction.atomic
def orders_advance(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily task: start accepted orders whose start date has come, and end orders whose
    end date has passed. Set-based (one UPDATE and one audit INSERT each); idempotent."""
    day = today or timezone.localdate()
    # The people's names go into the audit entries' descriptions: one join, not a query each.
    locked = IndividualServiceOrder.objects.select_for_update(of=("self",)).select_related("service_user")
    to_start = list(
        locked.filter(status__in=ORDER_WORKFLOW.sources("activate"), start_date__lte=day).exclude(
            end_date__lt=day
        )
    )
    to_end = list(locked.filter(status__in=ORDER_WORKFLOW.sources("end"), end_date__lt=day))
    return {
        "started": _bulk_move("activate", to_start),
        "ended": _bulk_move("end", to_end, note="Its end date has passed.", ended_at=timezone.now()),
    }
