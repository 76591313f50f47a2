"""Temporary variations: extra hours per week over a date range. The provider requests them and
brokerage approves or refuses (or the provider withdraws), through
`workflows.TEMPORARY_VARIATION_WORKFLOW`; brokerage may also record an authorisation it has
already given. Norfolk: hours above the +20% tolerance are paid only when authorised
`[004 §3.2.7, App. 6 §3.3]`."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.alerts import resolve_matching
from portal.audit import save_new
from portal.models import User
from portal.money import to_decimal

from .. import alerts
from ..models import IndividualServiceOrder, TemporaryVariation, TemporaryVariationStatus
from ..workflows import TEMPORARY_VARIATION_WORKFLOW, VARIABLE_STATUSES
from .common import (
    alert_about,
    lock_order,
    require_order_status,
    require_organisation,
    require_side,
    required_text,
)
from .orders import BROKERAGE, HoursLike

OPEN_OR_APPROVED = (TemporaryVariationStatus.REQUESTED, TemporaryVariationStatus.APPROVED)
MINIMUM_EXTRA_HOURS = Decimal("0.25")


def _check_temporary_variation(
    order: IndividualServiceOrder,
    start_date: dt.date | None,
    end_date: dt.date | None,
    extra_hours: HoursLike | None,
    exclude_pk: int | None = None,
) -> Decimal:
    require_order_status(
        order, VARIABLE_STATUSES, "extra hours are authorised on accepted, active or suspended orders only."
    )
    if start_date is None or end_date is None:
        raise ValidationError({"start_date": "Give the first and last day."})
    if end_date < start_date:
        raise ValidationError({"end_date": "The last day must be on or after the first."})
    if start_date < order.start_date:
        raise ValidationError({"start_date": f"The order starts on {order.start_date:%d %B %Y}."})
    if order.end_date and end_date > order.end_date:
        raise ValidationError({"end_date": f"The order ends on {order.end_date:%d %B %Y}."})
    hours = to_decimal(extra_hours) if extra_hours is not None else None
    if hours is None or hours < MINIMUM_EXTRA_HOURS:
        raise ValidationError(
            {"extra_hours_per_week": "Give the extra hours per week, at least a quarter of an hour."}
        )
    overlapping = TemporaryVariation.objects.filter(
        order=order, status__in=OPEN_OR_APPROVED, start_date__lte=end_date, end_date__gte=start_date
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            f"There is already a {clash.get_status_display().lower()} temporary variation on this order from "
            f"{clash.start_date:%d %B %Y} to {clash.end_date:%d %B %Y}; the dates may not overlap."
        )
    return hours


def _alert_key(variation: TemporaryVariation) -> str:
    return f"temporary_variation:{variation.pk}"


def _new_variation(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    start_date: dt.date,
    end_date: dt.date,
    extra_hours_per_week: HoursLike,
    reason: str,
    status: str,
    action: str,
) -> TemporaryVariation:
    hours = _check_temporary_variation(order, start_date, end_date, extra_hours_per_week)
    approved = status == TemporaryVariationStatus.APPROVED
    variation = TemporaryVariation(
        order=order, start_date=start_date, end_date=end_date, extra_hours_per_week=hours, reason=reason,
        status=status, requested_by=actor, decided_by=actor if approved else None,
        decided_at=timezone.now() if approved else None,
    )  # fmt: skip
    changes = {
        **({"status": [None, status]} if approved else {}),
        "extra_hours_per_week": [None, hours],
        "start_date": [None, start_date],
        "end_date": [None, end_date],
    }
    return save_new(variation, actor=actor, action=action, changes=changes, note=reason)


@transaction.atomic
def temporary_variation_request(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    start_date: dt.date,
    end_date: dt.date,
    extra_hours_per_week: HoursLike,
    reason: str,
) -> TemporaryVariation:
    """The provider asks brokerage to authorise extra hours over a date range."""
    order = lock_order(order)
    require_organisation(actor, order.provider_id, "the order's provider")
    reason = required_text(reason, "reason", "Say why the extra hours are needed.")
    variation = _new_variation(
        actor=actor, order=order, start_date=start_date, end_date=end_date,
        extra_hours_per_week=extra_hours_per_week, reason=reason, status=TemporaryVariationStatus.REQUESTED,
        action="requested",
    )  # fmt: skip
    hours, person = variation.extra_hours_per_week, order.service_user.name
    title = f"{order.provider.name} asks for +{hours.normalize():f} h/week on order {order.reference} for {person}"
    title += f", {start_date:%d %b} – {end_date:%d %b %Y}"
    kind, key = alerts.VARIATION_REQUESTED, _alert_key(variation)
    alert_about(variation, to=order.commissioner, kind=kind, key=key, title=title)
    return variation


@transaction.atomic
def temporary_variation_record(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    start_date: dt.date,
    end_date: dt.date,
    extra_hours_per_week: HoursLike,
    reason: str,
) -> TemporaryVariation:
    """Brokerage records an authorisation it has already given (no request needed)."""
    order = lock_order(order)
    require_organisation(actor, order.commissioner_id, BROKERAGE)
    reason = required_text(reason, "reason", "Say why the extra hours are authorised.")
    return _new_variation(
        actor=actor, order=order, start_date=start_date, end_date=end_date,
        extra_hours_per_week=extra_hours_per_week, reason=reason, status=TemporaryVariationStatus.APPROVED,
        action="authorised",
    )  # fmt: skip


def _decide(
    variation: TemporaryVariation, action: str, *, actor: User | None, note: str
) -> TemporaryVariation:
    variation = (
        TemporaryVariation.objects.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=variation.pk)
    )
    order = variation.order
    transition = TEMPORARY_VARIATION_WORKFLOW[action]
    require_side(transition.side, actor, commissioner_id=order.commissioner_id, provider_id=order.provider_id)
    TEMPORARY_VARIATION_WORKFLOW.check(variation, action)
    if transition.target == TemporaryVariationStatus.APPROVED:
        # The order may have changed since the request (ended, or another authorisation given).
        _check_temporary_variation(
            order,
            variation.start_date,
            variation.end_date,
            variation.extra_hours_per_week,
            exclude_pk=variation.pk,
        )
    variation.decided_by, variation.decided_at, variation.decision_note = actor, timezone.now(), note
    TEMPORARY_VARIATION_WORKFLOW.apply(variation, action, actor=actor, note=note)
    resolve_matching(
        kind=alerts.VARIATION_REQUESTED, key=_alert_key(variation), actor=actor, resolution=transition.target
    )
    if action in ("approve", "refuse"):
        # The provider asked: it is told the answer (issue 16), and emailed as it must act on it.
        decision = "approved" if transition.target == TemporaryVariationStatus.APPROVED else "refused"
        title = f"The council {decision} your request for extra hours on order {order.reference}"
        kind, key = alerts.VARIATION_DECIDED, f"{_alert_key(variation)}:decided"
        alert_about(variation, to=order.provider, kind=kind, key=key, title=title)
    return variation


@transaction.atomic
def temporary_variation_approve(
    *, actor: User | None, variation: TemporaryVariation, note: str = ""
) -> TemporaryVariation:
    return _decide(variation, "approve", actor=actor, note=note)


@transaction.atomic
def temporary_variation_refuse(
    *, actor: User | None, variation: TemporaryVariation, note: str
) -> TemporaryVariation:
    required_text(note, "decision_note", "Say why the request is refused.")
    return _decide(variation, "refuse", actor=actor, note=note)


@transaction.atomic
def temporary_variation_withdraw(
    *, actor: User | None, variation: TemporaryVariation, note: str = ""
) -> TemporaryVariation:
    return _decide(variation, "withdraw", actor=actor, note=note)
