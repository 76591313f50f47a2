"""Writes for staff and training: keyword-only, atomic, audited."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal import audit
from portal.models import Organisation, User
from portal.roles import OrganisationKind
from schemes.models import Lot, Scheme

from .models import StaffMember, TrainingCompletion, TrainingCourse, TrainingRequirement, WorkforceStandard
from .selectors import course_rules_for

#: The vetting record on the staff register [002 §6.1], [003 §7.4], [001 §5.1] and the ASC-WDS date [003 §9.2].
VETTING_FIELDS = [
    "dbs_level",
    "dbs_workforce",
    "dbs_issued_on",
    "dbs_update_service_checked_on",
    "first_reference_on",
    "second_reference_on",
    "right_to_work_checked_on",
    "right_to_work_expires_on",
    "asc_wds_updated_on",
]
PAST_DATES = [f for f in VETTING_FIELDS if f.endswith("_on") and f != "right_to_work_expires_on"]
STAFF_FIELDS = ["reference", "job_title", "scheme", "started_on", "left_on", *VETTING_FIELDS]


def provider_schemes(provider: Organisation) -> QuerySet[Scheme]:
    """The schemes a provider provides care in: those its contracts cover."""
    return Scheme.objects.filter(contracts__provider=provider).distinct()


def _check_scheme(provider: Organisation, scheme: Scheme | None) -> None:
    if scheme is not None and not provider_schemes(provider).filter(pk=scheme.pk).exists():
        raise ValidationError({"scheme": "Choose one of the schemes you provide care in."})


@transaction.atomic
def staff_create(
    *,
    actor: User | None,
    provider: Organisation,
    reference: str,
    started_on: dt.date,
    left_on: dt.date | None = None,
    scheme: Scheme | None = None,
    job_title: str = "",
    **vetting: Any,
) -> StaffMember:
    """Add a member of staff, known by the provider's own reference (no names), with their vetting."""
    unknown = set(vetting) - set(VETTING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown staff fields: {', '.join(sorted(unknown))}")
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
        **vetting,
    )
    check_vetting(staff)
    staff.full_clean()
    staff.save()
    audit.record(
        actor=actor, obj=staff, action="created", changes={f: [None, getattr(staff, f)] for f in STAFF_FIELDS}
    )
    return staff


@transaction.atomic
def staff_update(*, actor: User | None, staff: StaffMember, **fields: Any) -> StaffMember:
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
    merged = {f: fields.get(f, getattr(staff, f)) for f in VETTING_FIELDS}
    check_vetting(StaffMember(**merged))
    return audit.save_changes(staff, fields, fields=STAFF_FIELDS, actor=actor)


def check_vetting(staff: StaffMember) -> None:
    """The vetting record's own checks (the form, the API and the upload share them)."""
    today = timezone.localdate()
    errors = {}
    for name in PAST_DATES:
        day = getattr(staff, name)
        if day is not None and day > today:
            errors[name] = "This date cannot be in the future."
    if staff.dbs_issued_on and not staff.dbs_level:
        errors["dbs_level"] = "Say which level of DBS check was issued."
    if staff.second_reference_on and not staff.first_reference_on:
        errors["first_reference_on"] = "Record the first reference before the second."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def training_record(
    *, actor: User | None, staff: StaffMember, course: TrainingCourse, completed_on: dt.date
) -> tuple[TrainingCompletion, bool]:
    """Record that a member of staff completed a course on a day. Recording it again changes nothing."""
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The completion date cannot be in the future."})
    existing = TrainingCompletion.objects.filter(
        staff=staff, course=course, completed_on=completed_on
    ).first()
    if existing is not None:
        return existing, False
    rules = course_rules_for([staff.provider_id]).rules.get(staff.provider_id)
    completion = TrainingCompletion(staff=staff, course=course, completed_on=completed_on).fill_expiry(rules)
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


def _council_terms_check(commissioner: Organisation, lot: Lot | None) -> None:
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise ValidationError("Only a commissioner sets workforce requirements.")
    if lot is not None and lot.framework.commissioner_id != commissioner.pk:
        raise ValidationError({"lot": "Choose one of your own lots."})


@transaction.atomic
def training_requirement_set(
    *,
    actor: User | None,
    commissioner: Organisation,
    course: TrainingCourse,
    lot: Lot | None = None,
    refresh_months: int | None = None,
    due_within_months_of_start: int | None = None,
    source: str = "",
) -> TrainingRequirement:
    """Set (or change) a council's requirement for a course, council-wide or for one of its lots."""
    _council_terms_check(commissioner, lot)
    requirement = TrainingRequirement.objects.filter(
        commissioner=commissioner, lot=lot, course=course
    ).first() or TrainingRequirement(commissioner=commissioner, lot=lot, course=course)
    return audit.save_changes(
        requirement,
        {
            "refresh_months": refresh_months,
            "due_within_months_of_start": due_within_months_of_start,
            "source": source.strip(),
        },
        fields=["course", "lot", "refresh_months", "due_within_months_of_start", "source"],
        actor=actor,
        action="training requirement set",
    )


@transaction.atomic
def workforce_standard_set(
    *,
    actor: User | None,
    commissioner: Organisation,
    lot: Lot | None = None,
    enhanced_dbs_all_staff: bool = False,
    child_workforce_check: bool = False,
    references_required: int = 2,
    asc_wds_target_percent: Decimal | None = None,
    source: str = "",
) -> WorkforceStandard:
    """Set (or change) what a council requires of its providers' vetting and ASC-WDS records."""
    _council_terms_check(commissioner, lot)
    if asc_wds_target_percent is not None and not 0 <= asc_wds_target_percent <= 100:
        raise ValidationError({"asc_wds_target_percent": "Give a percentage from 0 to 100."})
    values = {
        "enhanced_dbs_all_staff": enhanced_dbs_all_staff,
        "child_workforce_check": child_workforce_check,
        "references_required": references_required,
        "asc_wds_target_percent": asc_wds_target_percent,
        "source": source.strip(),
    }
    standard = WorkforceStandard.objects.filter(commissioner=commissioner, lot=lot).first() or (
        WorkforceStandard(commissioner=commissioner, lot=lot)
    )
    return audit.save_changes(
        standard, values, fields=["lot", *values], actor=actor, action="workforce standard set"
    )
