"""Writes that shape an order: brokerage drafts it with its first version, changes it in place
while it is a draft or declined, and varies it once the provider has taken it on (a permanent
variation is a new version from a date). Its moves through the lifecycle are in `lifecycle`."""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from portal import audit
from portal.models import User
from portal.money import to_decimal
from schemes.models import Contract, PaymentModel

from .. import rules
from ..models import (
    IndividualServiceOrder,
    OrderOutcome,
    OrderStatus,
    OrderVersion,
    Referral,
    ScheduledVisit,
    ServiceUser,
)
from ..workflows import EDITABLE_STATUSES, VARIABLE_STATUSES
from .common import (
    lock_order,
    refuse_unknown,
    require_order_status,
    require_organisation,
    required_text,
    today,
)

SCHEDULE_FIELDS = ("weekday", "start_time", "duration_minutes", "carers", "time_critical", "tasks")
OUTCOME_FIELDS = ("service_element", "category", "description")
ORDER_FIELDS = [
    "status",
    "contract",
    "provider",
    "start_date",
    "end_date",
    "referral",
    "is_planned_care",
    "is_emergency",
]
VERSION_FIELDS = ["weekly_hours", "weekly_price"]
UPDATABLE = frozenset(
    {"contract", "service_user", "start_date", "end_date", "reference", "referral", "is_planned_care",
     "is_emergency", "weekly_hours", "weekly_price", "schedule", "outcomes"}
)  # fmt: skip
SCHEDULE_DEFAULTS = {"carers": 1, "time_critical": False, "tasks": ""}
BROKERAGE = "the commissioner's brokerage"

Lines = list[dict[str, Any]]
HoursLike = Decimal | str | int


def _clean_lines(
    lines: Iterable[Mapping[str, Any]] | None,
    model: type[models.Model],
    fields: tuple[str, ...],
    *,
    key: str,
    label: str,
    defaults: Mapping[str, Any] | None = None,
) -> Lines:
    """Validate rows of a version's content (schedule lines, outcomes) with the model's own field
    checks, naming each bad row; returns them with the values the model cleaned."""
    cleaned: Lines = []
    errors: list[str] = []
    for number, line in enumerate(lines or [], start=1):
        row = model(version=None, **{**(defaults or {}), **line})
        try:
            row.clean_fields(exclude=["version"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(f"{label} {number}, {field.replace('_', ' ')}: {m}" for m in messages)
        else:
            cleaned.append({f: getattr(row, f) for f in fields})
    if errors:
        raise ValidationError({key: errors})
    return cleaned


def _clean_schedule(schedule: Iterable[Mapping[str, Any]] | None, weekly_hours: Decimal) -> Lines:
    """Validate a weekly schedule against the weekly hours; name the bad line."""
    lines = _clean_lines(
        schedule,
        ScheduledVisit,
        SCHEDULE_FIELDS,
        key="schedule",
        label="Schedule line",
        defaults=SCHEDULE_DEFAULTS,
    )
    if not rules.schedule_matches_hours(lines, weekly_hours):
        got = Decimal(rules.schedule_carer_minutes(lines)) / 60
        raise ValidationError(
            {
                "schedule": f"The weekly schedule adds up to {got.normalize():f} hours of care (visit lengths × carers), "
                f"but the order commissions {weekly_hours.normalize():f} hours a week. Make them agree, or leave the "
                "schedule empty for an outcome-based package."
            }
        )
    return lines


def _clean_outcomes(outcomes: Iterable[Mapping[str, Any]] | None) -> Lines:
    return _clean_lines(outcomes, OrderOutcome, OUTCOME_FIELDS, key="outcomes", label="Outcome")


def _check_price(contract: Contract, weekly_price: HoursLike | None) -> Decimal | None:
    if contract.payment_model == PaymentModel.WEEKLY_PACKAGE:
        if weekly_price is None:
            raise ValidationError(
                {"weekly_price": "A weekly-package contract needs the weekly package price."}
            )
        return to_decimal(weekly_price)
    if weekly_price is not None:
        raise ValidationError(
            {
                "weekly_price": "Weekly package prices apply to weekly-package contracts only; this one pays by the hour."
            }
        )
    return None


def _check_hours(weekly_hours: HoursLike | None) -> Decimal:
    if weekly_hours is None:
        raise ValidationError({"weekly_hours": "Give the commissioned hours per week."})
    hours = to_decimal(weekly_hours)
    if hours <= 0:
        raise ValidationError({"weekly_hours": "Commissioned hours per week must be more than zero."})
    return hours


def _write_version(version: OrderVersion, schedule: Lines, outcomes: Lines) -> OrderVersion:
    """Save a version with its schedule and outcomes (replacing any it had)."""
    existed = version.pk is not None
    version.full_clean()
    version.save()
    if existed:
        version.schedule.all().delete()
        version.outcomes.all().delete()
    ScheduledVisit.objects.bulk_create(ScheduledVisit(version=version, **line) for line in schedule)
    OrderOutcome.objects.bulk_create(OrderOutcome(version=version, **line) for line in outcomes)
    return version


def _line_dicts(version: OrderVersion | None) -> tuple[Lines, Lines]:
    if version is None:
        return [], []
    schedule = [{f: getattr(s, f) for f in SCHEDULE_FIELDS} for s in version.schedule.all()]
    outcomes = [{f: getattr(o, f) for f in OUTCOME_FIELDS} for o in version.outcomes.all()]
    return schedule, outcomes


def _next_order_reference(commissioner_id: int) -> str:
    prefix = f"ISO-{today().year}-"
    existing = IndividualServiceOrder.objects.filter(
        commissioner_id=commissioner_id, reference__startswith=prefix
    ).values_list("reference", flat=True)
    numbers = [int(r[len(prefix) :]) for r in existing if r[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:05d}"


def _check_order_parties(
    *, actor: User | None, service_user: ServiceUser, contract: Contract, referral: Referral | None
) -> None:
    require_organisation(actor, contract.commissioner_id, "the contract's commissioner")
    if service_user.commissioner_id != contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    if referral is not None and (
        referral.service_user_id != service_user.pk or referral.commissioner_id != contract.commissioner_id
    ):
        raise ValidationError({"referral": "The referral is for someone else."})


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    service_user: ServiceUser,
    contract: Contract,
    start_date: dt.date,
    weekly_hours: HoursLike,
    end_date: dt.date | None = None,
    weekly_price: HoursLike | None = None,
    schedule: Iterable[Mapping[str, Any]] = (),
    outcomes: Iterable[Mapping[str, Any]] = (),
    reference: str = "",
    referral: Referral | None = None,
    is_planned_care: bool = True,
    is_emergency: bool = False,
) -> IndividualServiceOrder:
    """Brokerage drafts an order: the contract (and so the provider), the dates, and its first
    version — weekly hours, the Dorset weekly price, the weekly schedule and the outcomes. An
    emergency start gives the care plan 48 hours to be agreed face to face `[004 §3.2.9]`."""
    _check_order_parties(actor=actor, service_user=service_user, contract=contract, referral=referral)
    hours = _check_hours(weekly_hours)
    price = _check_price(contract, weekly_price)
    lines, goals = _clean_schedule(schedule, hours), _clean_outcomes(outcomes)
    order = IndividualServiceOrder(
        commissioner_id=contract.commissioner_id, provider_id=contract.provider_id, contract=contract,
        service_user=service_user, referral=referral, status=OrderStatus.DRAFT, start_date=start_date,
        end_date=end_date, is_planned_care=is_planned_care, is_emergency=is_emergency,
        reference=(reference or "").strip() or _next_order_reference(contract.commissioner_id),
    )  # fmt: skip
    order.full_clean()
    order.save()
    first = OrderVersion(
        order=order, number=1, effective_from=start_date, weekly_hours=hours, weekly_price=price
    )
    first.created_by = actor
    _write_version(first, lines, goals)
    drafted = {"status": [None, OrderStatus.DRAFT], "provider": [None, contract.provider.name]}
    drafted |= {"start_date": [None, start_date], "weekly_hours": [None, hours]}
    if price is not None:
        drafted["weekly_price"] = [None, price]
    if is_emergency:
        drafted["is_emergency"] = [None, True]
    audit.record(actor=actor, obj=order, action="drafted", changes=drafted)
    return order


@transaction.atomic
def order_update(
    *, actor: User | None, order: IndividualServiceOrder, **changes: Any
) -> IndividualServiceOrder:
    """Brokerage changes a draft or declined order in place — to another contract (and so
    provider) too. Once issued, an order changes only by variation. `schedule`/`outcomes`, when
    given, replace the first version's."""
    refuse_unknown(changes, UPDATABLE)
    order = lock_order(order)
    require_organisation(actor, order.commissioner_id, BROKERAGE)
    require_order_status(order, EDITABLE_STATUSES, "change it with a variation instead.")
    contract: Contract = changes.get("contract", order.contract)
    service_user: ServiceUser = changes.get("service_user", order.service_user)
    referral: Referral | None = changes.get("referral", order.referral)
    _check_order_parties(actor=actor, service_user=service_user, contract=contract, referral=referral)
    version = order.versions.order_by("number").first()
    assert version is not None  # an order is created with its first version
    before = {**audit.snapshot(order, ORDER_FIELDS), **audit.snapshot(version, VERSION_FIELDS)}
    order.contract, order.provider_id, order.service_user, order.referral = (
        contract, contract.provider_id, service_user, referral,
    )  # fmt: skip
    for field in ("start_date", "end_date", "is_planned_care", "is_emergency"):
        if field in changes:
            setattr(order, field, changes[field])
    if changes.get("reference"):
        order.reference = changes["reference"].strip()
    order.full_clean()
    order.save()
    hours = _check_hours(changes.get("weekly_hours", version.weekly_hours))
    kept_price = version.weekly_price if contract.payment_model == PaymentModel.WEEKLY_PACKAGE else None
    price = _check_price(contract, changes.get("weekly_price", kept_price))
    old_schedule, old_outcomes = _line_dicts(version)
    schedule = _clean_schedule(changes.get("schedule", old_schedule), hours)
    outcomes = _clean_outcomes(changes.get("outcomes", old_outcomes))
    version.effective_from, version.weekly_hours, version.weekly_price = order.start_date, hours, price
    _write_version(version, schedule, outcomes)
    changed = audit.diff(
        before, {**audit.snapshot(order, ORDER_FIELDS), **audit.snapshot(version, VERSION_FIELDS)}
    )
    for name, old, new in (("schedule", old_schedule, schedule), ("outcomes", old_outcomes, outcomes)):
        if new != old:
            changed[name] = [len(old), len(new)]
    if changed:
        audit.record(actor=actor, obj=order, action="changed", changes=changed)
    return order


def _check_variation_date(
    order: IndividualServiceOrder, latest: OrderVersion | None, effective_from: dt.date
) -> None:
    if effective_from < order.start_date:
        raise ValidationError(
            {"effective_from": f"A variation cannot start before the order ({order.start_date:%d %B %Y})."}
        )
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": f"A variation must start after the latest version (from {latest.effective_from:%d %B %Y})."
            }
        )
    if order.end_date and effective_from > order.end_date:
        raise ValidationError({"effective_from": f"The order ends on {order.end_date:%d %B %Y}."})


@transaction.atomic
def order_vary(
    *,
    actor: User | None,
    order: IndividualServiceOrder,
    effective_from: dt.date,
    weekly_hours: HoursLike,
    weekly_price: HoursLike | None = None,
    schedule: Iterable[Mapping[str, Any]] | None = None,
    outcomes: Iterable[Mapping[str, Any]] | None = None,
    reason: str = "",
) -> OrderVersion:
    """A permanent variation: a new version of the order from a date. Earlier versions keep
    pricing the days before it (`rules.commissioned_minutes` is day-weighted). Schedule and
    outcomes not given are carried over from the version in force before the date."""
    order = lock_order(order)
    require_organisation(actor, order.commissioner_id, BROKERAGE)
    require_order_status(
        order,
        VARIABLE_STATUSES,
        "only accepted, active or suspended orders are varied (change a draft or declined order directly).",
    )
    reason = required_text(reason, "reason", "Say why the order is varied.")
    latest = order.versions.order_by("-effective_from", "-number").first()
    _check_variation_date(order, latest, effective_from)
    hours = _check_hours(weekly_hours)
    if (
        weekly_price is None
        and latest is not None
        and order.contract.payment_model == PaymentModel.WEEKLY_PACKAGE
    ):
        weekly_price = latest.weekly_price
    price = _check_price(order.contract, weekly_price)
    old_schedule, old_outcomes = _line_dicts(latest)
    lines = _clean_schedule(old_schedule if schedule is None else schedule, hours)
    goals = _clean_outcomes(old_outcomes if outcomes is None else outcomes)
    number = (order.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = OrderVersion(
        order=order, number=number, effective_from=effective_from, weekly_hours=hours, weekly_price=price,
        reason=reason[:300], created_by=actor,
    )  # fmt: skip
    _write_version(version, lines, goals)
    changes: dict[str, list[Any]] = {
        "version": [latest.number if latest else None, number],
        "effective_from": [None, effective_from],
        "weekly_hours": [latest.weekly_hours if latest else None, hours],
    }
    if price is not None:
        changes["weekly_price"] = [latest.weekly_price if latest else None, price]
    audit.record(actor=actor, obj=order, action="varied", changes=changes, note=reason)
    return version
