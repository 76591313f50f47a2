"""Writes for staff and training: keyword-only, atomic, audited."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from schemes.models import Scheme

from .models import StaffMember, TrainingCompletion, TrainingCourse

STAFF_FIELDS = ["reference", "job_title", "scheme", "started_on", "left_on"]


def provider_schemes(provider):
    """The schemes a provider provides care in: those its contracts cover."""
    return Scheme.objects.filter(contracts__provider=provider).distinct()


def _check_scheme(provider, scheme: Scheme | None) -> None:
    if scheme is not None and not provider_schemes(provider).filter(pk=scheme.pk).exists():
        raise ValidationError({"scheme": "Choose one of the schemes you provide care in."})


@transaction.atomic
def staff_create(
    *,
    actor,
    provider,
    reference: str,
    started_on: dt.date,
    left_on: dt.date | None = None,
    scheme: Scheme | None = None,
    job_title: str = "",
) -> StaffMember:
    """Add a member of staff, known by the provider's own reference (no names)."""
    reference = reference.strip()
    if StaffMember.objects.filter(provider=provider, reference__iexact=reference).exists():
        raise ValidationError(
            {"reference": f"You already have a member of staff with reference {reference}."}
        )
    _check_scheme(provider, scheme)
    staff = StaffMember(
        provider=provider,
        reference=reference,
        started_on=started_on,
        left_on=left_on,
        scheme=scheme,
        job_title=job_title,
    )
    staff.full_clean()
    staff.save()
    audit.record(
        actor=actor, obj=staff, action="created", changes={f: [None, getattr(staff, f)] for f in STAFF_FIELDS}
    )
    return staff


@transaction.atomic
def staff_update(*, actor, staff: StaffMember, **fields) -> StaffMember:
    """Change a member of staff's details (e.g. record their leaving date)."""
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise TypeError(f"Unknown staff fields: {', '.join(sorted(unknown))}")
    if "reference" in fields:
        fields["reference"] = fields["reference"].strip()
        clash = StaffMember.objects.filter(
            provider_id=staff.provider_id, reference__iexact=fields["reference"]
        )
        if clash.exclude(pk=staff.pk).exists():
            raise ValidationError(
                {"reference": f"You already have a member of staff with reference {fields['reference']}."}
            )
    if "scheme" in fields:
        _check_scheme(staff.provider, fields["scheme"])
    before = audit.snapshot(staff, STAFF_FIELDS)
    for name, value in fields.items():
        setattr(staff, name, value)
    staff.full_clean()
    staff.save()
    changes = audit.diff(before, audit.snapshot(staff, STAFF_FIELDS))
    if changes:
        audit.record(actor=actor, obj=staff, action="updated", changes=changes)
    return staff


@transaction.atomic
def training_record(
    *, actor, staff: StaffMember, course: TrainingCourse, completed_on: dt.date
) -> tuple[TrainingCompletion, bool]:
    """Record that a member of staff completed a course on a day. Recording it again changes nothing."""
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The completion date cannot be in the future."})
    existing = TrainingCompletion.objects.filter(
        staff=staff, course=course, completed_on=completed_on
    ).first()
    if existing is not None:
        return existing, False
    completion = TrainingCompletion(staff=staff, course=course, completed_on=completed_on).fill_expiry()
    completion.save()
    audit.record(
        actor=actor,
        obj=completion,
        action="training recorded",
        changes={
            "course": [None, course.code],
            "completed_on": [None, completed_on],
            "expires_on": [None, completion.expires_on],
        },
    )
    return completion, True
