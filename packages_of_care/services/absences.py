"""A person away from home (hospital, holiday, other), recorded by brokerage or by a provider
holding a live order for them. One person's absences never overlap: the service refuses an
overlap with a sentence naming the absence in the way, and the database's exclusion constraint
(`absence_no_overlap`) refuses what any other path might write."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal import audit
from portal.models import User
from portal.workflow import COUNCIL, PROVIDER

from ..models import (
    LIVE_ORDER_STATUSES,
    Absence,
    AbsenceKind,
    HospitalDischarge,
    IndividualServiceOrder,
    ServiceUser,
)
from .common import require_organisation, side_of


def _check_absence_actor(actor: User | None, service_user: ServiceUser) -> None:
    """Brokerage of the person's commissioner, or a provider holding a live order for them."""
    side = side_of(actor)
    if side == COUNCIL:
        require_organisation(actor, service_user.commissioner_id, "the person's commissioner or provider")
    elif side == PROVIDER and actor is not None:
        holds = IndividualServiceOrder.objects.filter(
            service_user=service_user, provider_id=actor.organisation_id, status__in=LIVE_ORDER_STATUSES
        )
        if not holds.exists():
            raise PermissionDenied(
                "Only a provider holding a live order for the person may record an absence."
            )


def _lock_person(service_user_id: int) -> ServiceUser:
    """The person's row, locked: two absences recorded at once cannot both pass the overlap check."""
    return ServiceUser.objects.select_for_update().get(pk=service_user_id)


def _no_overlap(
    service_user: ServiceUser, start: dt.date, end: dt.date | None, exclude_pk: int | None = None
) -> None:
    clash = (
        Absence.objects.filter(service_user=service_user)
        .overlapping(start, end)
        .exclude(pk=exclude_pk)
        .order_by("start_date")
        .first()
    )
    if clash is not None:
        until = f"to {clash.end_date:%d %B %Y}" if clash.end_date else "with no end date yet"
        raise ValidationError(
            {
                "start_date": f"{service_user.name} already has a {clash.get_kind_display().lower()} absence from "
                f"{clash.start_date:%d %B %Y} {until}, which overlaps these dates. One person's absences cannot "
                "overlap: end or correct that one first."
            }
        )


@transaction.atomic
def absence_record(
    *,
    actor: User | None,
    service_user: ServiceUser,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    notes: str = "",
) -> Absence:
    """Record a person away from home. Overlapping absences for one person are refused."""
    service_user = _lock_person(service_user.pk)
    _check_absence_actor(actor, service_user)
    if kind not in AbsenceKind.values:
        raise ValidationError({"kind": "Choose hospital, holiday or other."})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The last day must be on or after the first."})
    _no_overlap(service_user, start_date, end_date)
    absence = Absence(
        service_user=service_user, kind=kind, start_date=start_date, end_date=end_date, notes=notes,
        recorded_by=actor, recorded_by_organisation_id=actor.organisation_id if actor else None,
    )  # fmt: skip
    changes = {"kind": [None, kind], "start_date": [None, start_date], "end_date": [None, end_date]}
    return audit.save_new(absence, actor=actor, action="recorded", changes=changes, note=notes)


@transaction.atomic
def absence_end(
    *,
    actor: User | None,
    absence: Absence,
    end_date: dt.date,
    discharge: str = HospitalDischarge.RETURNED_HOME,
) -> Absence:
    """Give an open-ended absence its last day; for a hospital stay, where the person went (home,
    by default; Norfolk's N11 counts returns home `[004 App. 4]`)."""
    absence = Absence.objects.select_for_update(of=("self",)).get(pk=absence.pk)
    absence.service_user = _lock_person(absence.service_user_id)
    _check_absence_actor(actor, absence.service_user)
    if absence.end_date is not None:
        raise ValidationError(f"This absence already ended on {absence.end_date:%d %B %Y}.")
    if end_date is None or end_date < absence.start_date:
        raise ValidationError(
            {"end_date": f"The last day must be on or after the first ({absence.start_date:%d %B %Y})."}
        )
    if discharge not in HospitalDischarge.values:
        raise ValidationError({"discharge": "Say where the person went."})
    changes: dict[str, list[object]] = {"end_date": [None, end_date]}
    if discharge != absence.discharge:
        changes["discharge"] = [absence.discharge, discharge]
    absence.end_date, absence.discharge = end_date, discharge
    absence.save(update_fields=["end_date", "discharge", "updated_at"])
    audit.record(actor=actor, obj=absence, action="ended", changes=changes)
    return absence


@transaction.atomic
def absence_retainer_agree(
    *,
    actor: User | None,
    absence: Absence,
    full_pay_until: dt.date,
    agreed_by: str,
    agreed_on: dt.date,
    note: str = "",
) -> Absence:
    """Record that the social worker agreed in writing to pay the retainer in full for longer than
    7 days `[004 §1.6.1 b]`: days up to `full_pay_until` in full, the 7 after at half, then nothing
    (`invoicing.rules.absence_factor`). Brokerage of the person's commissioner records it; a later
    agreement replaces an earlier one (both are in the audit trail)."""
    absence = (
        Absence.objects.select_for_update(of=("self",)).select_related("service_user").get(pk=absence.pk)
    )
    if side_of(actor) == PROVIDER:
        raise PermissionDenied("Only the council's brokerage may record a social worker's agreement.")
    require_organisation(actor, absence.service_user.commissioner_id, "the person's commissioner")
    errors = {}
    day_7 = absence.start_date + dt.timedelta(days=6)
    if full_pay_until is None or full_pay_until <= day_7:
        errors["full_pay_until"] = (
            f"A longer retainer runs past day 7 of the absence ({day_7:%d %B %Y}): give a later day."
        )
    elif absence.end_date is not None and full_pay_until > absence.end_date:
        errors["full_pay_until"] = f"The absence ended on {absence.end_date:%d %B %Y}: give a day up to then."
    if not agreed_by.strip():
        errors["agreed_by"] = "Name the social worker who agreed."
    if agreed_on is None:
        errors["agreed_on"] = "Give the day they agreed in writing."
    if errors:
        raise ValidationError(errors)
    changes = {
        "retainer_full_pay_until": [absence.retainer_full_pay_until, full_pay_until],
        "retainer_agreed_by": [absence.retainer_agreed_by, agreed_by.strip()],
        "retainer_agreed_on": [absence.retainer_agreed_on, agreed_on],
    }
    absence.retainer_full_pay_until = full_pay_until
    absence.retainer_agreed_by = agreed_by.strip()
    absence.retainer_agreed_on = agreed_on
    absence.retainer_note = note
    absence.retainer_recorded_by = actor
    absence.save(
        update_fields=[
            "retainer_full_pay_until",
            "retainer_agreed_by",
            "retainer_agreed_on",
            "retainer_note",
            "retainer_recorded_by",
            "updated_at",
        ]
    )
    audit.record(actor=actor, obj=absence, action="longer retainer agreed", changes=changes, note=note)
    return absence
