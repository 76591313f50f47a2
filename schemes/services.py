"""Writes for contracts and rates: keyword-only, atomic, audited."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from portal import audit
from portal.models import Organisation, User
from portal.money import round_half_up, to_decimal

from .models import (
    BlockVolume,
    BlockVolumeSource,
    Contract,
    ContractRate,
    Lot,
    PaymentModel,
    Scheme,
    SchemeUnplannedHours,
)

#: Notice either side may give, in days: Derby's block contracts 180 `[002 §7.4]`, otherwise 90.
NOTICE_PERIOD_DAYS = {PaymentModel.BLOCK_QUARTERLY: 180}
DEFAULT_NOTICE_PERIOD_DAYS = 90


@transaction.atomic
def contract_create(
    *,
    actor: User | None,
    commissioner: Organisation,
    provider: Organisation,
    lot: Lot,
    reference: str,
    start_date: dt.date,
    end_date: dt.date | None,
    payment_model: str,
    planned_hourly_rate: Decimal,
    unplanned_hourly_rate: Decimal | None = None,
    schemes: list[Scheme] | None = None,
    notice_period_days: int | None = None,
    payment_period_anchor: dt.date | None = None,
    title: str = "",
    block_weekly_hours: Decimal | None = None,
    purchase_order_number: str = "",
) -> Contract:
    """Put a provider on a lot: the contract, its first rate, for each scheme the unplanned-care
    hours the specification gives and, for a block contract, the block volume agreed at award."""
    if notice_period_days is None:
        notice_period_days = NOTICE_PERIOD_DAYS.get(PaymentModel(payment_model), DEFAULT_NOTICE_PERIOD_DAYS)
    if block_weekly_hours is not None and payment_model != PaymentModel.BLOCK_QUARTERLY:
        raise ValidationError({"block_weekly_hours": "Only a block contract has a block volume."})
    if payment_model == PaymentModel.HOURLY_4_WEEKLY and payment_period_anchor is None:
        payment_period_anchor = start_date
    contract = Contract(
        commissioner=commissioner,
        provider=provider,
        lot=lot,
        reference=reference,
        title=title,
        start_date=start_date,
        end_date=end_date,
        payment_model=payment_model,
        notice_period_days=notice_period_days,
        payment_period_anchor=payment_period_anchor,
        purchase_order_number=purchase_order_number,
    )
    contract.full_clean()
    contract.save()
    covered = list(schemes) if schemes is not None else list(lot.schemes.all())
    if any(s.lot_id != lot.pk for s in covered):
        raise ValidationError({"schemes": "Every scheme must be in the contract's lot."})
    contract.schemes.set(covered)
    ContractRate.objects.create(
        contract=contract,
        effective_from=start_date,
        planned_hourly_rate=to_decimal(planned_hourly_rate),
        unplanned_hourly_rate=None if unplanned_hourly_rate is None else to_decimal(unplanned_hourly_rate),
    )
    SchemeUnplannedHours.objects.bulk_create(
        SchemeUnplannedHours(
            contract=contract, scheme=s, effective_from=start_date, hours_per_week=s.unplanned_hours_per_week
        )
        for s in covered
        if s.unplanned_hours_per_week
    )
    audit.record(
        actor=actor,
        obj=contract,
        action="created",
        changes={
            "provider": [None, provider.name],
            "lot": [None, str(lot)],
            "planned_hourly_rate": [None, str(planned_hourly_rate)],
        },
    )
    if block_weekly_hours is not None:
        block_volume_set(
            actor=actor,
            contract=contract,
            effective_from=start_date,
            weekly_hours=block_weekly_hours,
            source=BlockVolumeSource.AWARD,
        )
    return contract


@transaction.atomic
def contract_rate_set(
    *,
    actor: User | None,
    contract: Contract,
    effective_from: dt.date,
    planned_hourly_rate: Decimal,
    unplanned_hourly_rate: Decimal | None = None,
    note: str = "",
) -> ContractRate:
    """A new rate from a date (Norfolk reviews each April `[004 App. 3 §1]`). Earlier periods keep
    the rate that was in force for them."""
    if effective_from < contract.start_date:
        raise ValidationError({"effective_from": "A rate cannot start before the contract does."})
    if contract.end_date and effective_from > contract.end_date:
        raise ValidationError({"effective_from": "A rate cannot start after the contract ends."})
    previous = contract.rate_on(effective_from)
    rate, created = ContractRate.objects.update_or_create(
        contract=contract,
        effective_from=effective_from,
        defaults={
            "planned_hourly_rate": to_decimal(planned_hourly_rate),
            "unplanned_hourly_rate": None
            if unplanned_hourly_rate is None
            else to_decimal(unplanned_hourly_rate),
            "note": note,
        },
    )
    audit.record(
        actor=actor,
        obj=contract,
        action="rate set",
        note=note,
        changes={
            "effective_from": [None, effective_from],
            "planned_hourly_rate": [
                previous.planned_hourly_rate if previous else None,
                rate.planned_hourly_rate,
            ],
            "unplanned_hourly_rate": [
                previous.unplanned_hourly_rate if previous else None,
                rate.unplanned_hourly_rate,
            ],
        },
    )
    return rate


CONTRACT_CHANGEABLE = [
    "title",
    "end_date",
    "notice_period_days",
    "late_visit_minutes",
    "late_visit_minutes_time_critical",
    "purchase_order_number",
]


@transaction.atomic
def contract_update(*, actor: User | None, contract: Contract, **values: object) -> Contract:
    """The council changes a contract's terms that may change while it runs (its end date, notice
    period, title, late-visit minutes, purchase order number). Who, which lot and how it is paid are fixed: a different
    arrangement is a new contract."""
    unknown = set(values) - set(CONTRACT_CHANGEABLE)
    if unknown:
        raise ValidationError(f"These cannot be changed on a contract: {', '.join(sorted(unknown))}")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    end_date = values.get("end_date", contract.end_date)
    if isinstance(end_date, dt.date) and contract.rates.filter(effective_from__gt=end_date).exists():
        raise ValidationError({"end_date": "A rate starts after this end date."})
    return audit.save_changes(contract, values, fields=CONTRACT_CHANGEABLE, actor=actor, action="changed")


@transaction.atomic
def unplanned_hours_set(
    *,
    actor: User | None,
    contract: Contract,
    scheme: Scheme,
    effective_from: dt.date,
    hours_per_week: Decimal,
) -> SchemeUnplannedHours:
    """The unplanned-care hours a week the contract pays for at one of its schemes, from a date
    (98 h/week; 147 at The Meadows `[004 §1.6.2, App. 3 §5]`). Earlier weeks keep the hours in
    force for them."""
    if not contract.schemes.filter(pk=scheme.pk).exists():
        raise ValidationError({"scheme": f"{scheme.name} is not one of {contract.reference}'s schemes."})
    if effective_from < contract.start_date:
        raise ValidationError({"effective_from": "The hours cannot start before the contract does."})
    if contract.end_date and effective_from > contract.end_date:
        raise ValidationError({"effective_from": "The hours cannot start after the contract ends."})
    previous = (
        SchemeUnplannedHours.objects.filter(
            contract=contract, scheme=scheme, effective_from__lte=effective_from
        )
        .order_by("-effective_from")
        .first()
    )
    row, _created = SchemeUnplannedHours.objects.update_or_create(
        contract=contract,
        scheme=scheme,
        effective_from=effective_from,
        defaults={"hours_per_week": to_decimal(hours_per_week)},
    )
    audit.record(
        actor=actor,
        obj=contract,
        action="unplanned hours set",
        changes={
            "scheme": [None, scheme.name],
            "effective_from": [None, effective_from],
            "hours_per_week": [previous.hours_per_week if previous else None, row.hours_per_week],
        },
    )
    return row


@transaction.atomic
def block_volume_set(
    *,
    actor: User | None,
    contract: Contract,
    effective_from: dt.date,
    weekly_hours: Decimal,
    source: str = BlockVolumeSource.AGREED,
    note: str = "",
) -> BlockVolume:
    """A block contract's agreed volume from a date `[002 App. 4]`: at award, after an accepted
    block-volume review, or as agreed in writing. Quarters starting before it keep the volume
    that was in force for them. (Whether an invoice already submitted stands in the way is the
    invoicing app's to check before it calls this.)"""
    if contract.payment_model != PaymentModel.BLOCK_QUARTERLY:
        raise ValidationError("Only a block contract has a block volume.")
    if effective_from < contract.start_date:
        raise ValidationError({"effective_from": "A block volume cannot start before the contract does."})
    if contract.end_date and effective_from > contract.end_date:
        raise ValidationError({"effective_from": "A block volume cannot start after the contract ends."})
    hours = round_half_up(to_decimal(weekly_hours), Decimal("0.01")).quantize(Decimal("0.01"))
    if hours < 0:
        raise ValidationError({"weekly_hours": "Weekly hours cannot be negative."})
    previous = (
        contract.block_volumes.filter(effective_from__lte=effective_from).order_by("-effective_from").first()
    )
    volume, _created = BlockVolume.objects.update_or_create(
        contract=contract,
        effective_from=effective_from,
        defaults={"weekly_hours": hours, "source": source, "note": note},
    )
    audit.record(
        actor=actor,
        obj=contract,
        action="block volume set",
        note=note,
        changes={
            "effective_from": [None, effective_from],
            "block_weekly_hours": [previous.weekly_hours if previous else None, volume.weekly_hours],
            "source": [None, source],
        },
    )
    return volume
