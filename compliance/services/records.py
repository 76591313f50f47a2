"""Insurance, policies and weekly capacity: a provider's dated records."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.models import Alert, Organisation, User
from portal.money import to_decimal
from portal.roles import OrganisationKind
from schemes.models import Lot

from ..models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    PolicyKind,
    ProviderPolicy,
    monday_of,
)
from ..selectors import (
    lots_for_capacity,
)
from .common import INSURANCE_EXPIRY, POLICY_EXPIRY, ExpiryAlerts, _require_provider, _user

# Insurance and policies ---------------------------------------------------------------------


def _keep_record(
    record: InsuranceCertificate | ProviderPolicy,
    *,
    actor: User | None,
    document: File | None,
    expiry: "ExpiryAlerts",
    current: bool,
    resolution: str,
    action: str,
    changes: dict[str, list[Any]],
) -> None:
    """Save a new certificate or policy (a renewal is a new record). If it is now the one in
    force, the provider's alerts about the one it replaces are resolved."""
    if document:
        record.document = document
    record.full_clean()
    record.save()
    if current:
        Alert.objects.open().filter(
            kind__in=[expiry.expiring.code, expiry.expired.code],
            recipient=record.provider,
            key__startswith=f"{record.provider_id}:{record.kind}:",
        ).update(resolved_at=timezone.now(), resolution=resolution, resolved_by=_user(actor))
    audit.record(actor=actor, obj=record, action=action, changes={"kind": [None, record.kind], **changes})


@transaction.atomic
def insurance_certificate_add(
    *,
    actor: User | None,
    provider: Organisation,
    kind: str,
    insurer: str,
    cover_amount: Decimal,
    starts_on: dt.date,
    expires_on: dt.date,
    policy_number: str = "",
    document: File | None = None,
) -> InsuranceCertificate:
    """Add a certificate (a renewal is a new certificate). Alerts about the older one are resolved."""
    _require_provider(provider)
    if kind not in InsuranceKind.values:
        raise ValidationError({"kind": "Choose the kind of insurance."})
    certificate = InsuranceCertificate(
        provider=provider,
        kind=kind,
        insurer=insurer.strip(),
        policy_number=policy_number.strip(),
        cover_amount=to_decimal(cover_amount),
        starts_on=starts_on,
        expires_on=expires_on,
    )
    # The latest to expire is the one in force: if this is it, the alerts about the old one go.
    current = expires_on >= timezone.localdate() and not (
        InsuranceCertificate.objects.filter(provider=provider, kind=kind, expires_on__gt=expires_on).exists()
    )
    _keep_record(
        certificate,
        actor=actor,
        document=document,
        expiry=INSURANCE_EXPIRY,
        current=current,
        resolution="A new certificate was added",
        action="insurance added",
        changes={"cover_amount": [None, certificate.cover_amount], "expires_on": [None, expires_on]},
    )
    return certificate


@transaction.atomic
def insurance_requirement_set(
    *, actor: User | None, commissioner: Organisation, kind: str, minimum_cover: Decimal, source: str = ""
) -> InsuranceRequirement:
    """Set (or change) the minimum cover a commissioner requires of its providers."""
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise ValidationError("Only a commissioner sets insurance requirements.")
    if kind not in InsuranceKind.values:
        raise ValidationError({"kind": "Choose the kind of insurance."})
    minimum_cover = to_decimal(minimum_cover)
    if minimum_cover <= 0:
        raise ValidationError({"minimum_cover": "Give the minimum cover in pounds."})
    existing = InsuranceRequirement.objects.filter(commissioner=commissioner, kind=kind).first()
    before = existing.minimum_cover if existing else None
    requirement, _ = InsuranceRequirement.objects.update_or_create(
        commissioner=commissioner,
        kind=kind,
        defaults={"minimum_cover": minimum_cover, "source": source.strip()},
    )
    if before != requirement.minimum_cover:
        audit.record(
            actor=actor,
            obj=requirement,
            action="requirement set",
            changes={"minimum_cover": [before, requirement.minimum_cover]},
        )
    return requirement


@transaction.atomic
def insurance_requirement_remove(*, actor: User | None, requirement: InsuranceRequirement) -> None:
    audit.record(
        actor=actor,
        obj=requirement,
        action="requirement removed",
        changes={"minimum_cover": [requirement.minimum_cover, None]},
    )
    requirement.delete()


@transaction.atomic
def policy_add(
    *,
    actor: User | None,
    provider: Organisation,
    kind: str,
    title: str,
    approved_on: dt.date,
    review_due_on: dt.date,
    version: str = "",
    document: File | None = None,
) -> ProviderPolicy:
    """Add a policy (a new version of one is a new record; the latest approved is current)."""
    _require_provider(provider)
    if kind not in PolicyKind.values:
        raise ValidationError({"kind": "Choose the kind of policy."})
    if review_due_on < approved_on:
        raise ValidationError({"review_due_on": "The review date must be on or after the approval date."})
    policy = ProviderPolicy(
        provider=provider,
        kind=kind,
        title=title.strip() or PolicyKind(kind).label,
        version=version.strip(),
        approved_on=approved_on,
        review_due_on=review_due_on,
    )
    _keep_record(
        policy,
        actor=actor,
        document=document,
        expiry=POLICY_EXPIRY,
        current=review_due_on >= timezone.localdate(),
        resolution="A new version was added",
        action="policy added",
        changes={"review_due_on": [None, review_due_on]},
    )
    return policy


# Capacity -----------------------------------------------------------------------------------


@transaction.atomic
def capacity_report(
    *,
    actor: User | None,
    provider: Organisation,
    lot: Lot,
    week_starting: dt.date,
    area: str,
    available_hours: Decimal,
    note: str = "",
) -> tuple[CapacitySnapshot, bool]:
    """Report the care hours available in an area in a week `[003 §4.1]`. Reporting the same week
    and area again replaces the figure; the same figure twice changes nothing."""
    _require_provider(provider)
    if not lots_for_capacity(provider).filter(pk=lot.pk).exists():
        raise ValidationError({"lot": "You can report capacity only for lots you are on."})
    area = " ".join(area.split())
    if not area:
        raise ValidationError({"area": "Name the area."})
    hours = to_decimal(available_hours)
    if hours < 0:
        raise ValidationError({"available_hours": "Hours cannot be negative."})
    week = monday_of(week_starting)
    if week > monday_of(timezone.localdate()) + dt.timedelta(weeks=1):
        raise ValidationError({"week_starting": "Report this week or next, not further ahead."})
    existing = CapacitySnapshot.objects.filter(
        provider=provider, lot=lot, week_starting=week, area__iexact=area
    ).first()
    if existing is not None and existing.available_hours == hours and existing.note == note:
        return existing, False
    snapshot = (
        existing
        or CapacitySnapshot(provider=provider, lot=lot, week_starting=week, area=area).fill_commissioner()
    )
    before = existing.available_hours if existing else None
    snapshot.available_hours, snapshot.note, snapshot.reported_by = hours, note, _user(actor)
    snapshot.full_clean()
    snapshot.save()
    audit.record(
        actor=actor,
        obj=snapshot,
        action="capacity reported" if existing is None else "capacity revised",
        changes={"available_hours": [before, hours]},
    )
    return snapshot, existing is None
