"""Writes for contracts and rates: keyword-only, atomic, audited."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from portal import audit
from portal.money import to_decimal

from .models import Contract, ContractRate, Lot, PaymentModel, Scheme, SchemeUnplannedHours


@transaction.atomic
def contract_create(
    *,
    actor,
    commissioner,
    provider,
    lot: Lot,
    reference: str,
    start_date: dt.date,
    end_date: dt.date | None,
    payment_model: str,
    planned_hourly_rate: Decimal,
    unplanned_hourly_rate: Decimal | None = None,
    schemes: list[Scheme] | None = None,
    notice_period_days: int = 90,
    payment_period_anchor: dt.date | None = None,
    title: str = "",
) -> Contract:
    """Put a provider on a lot: the contract, its first rate and, for each scheme, the
    unplanned-care hours the specification gives."""
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
    return contract


@transaction.atomic
def contract_rate_set(
    *,
    actor,
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
