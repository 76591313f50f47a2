"""Writes on operational records: one record by form or API. Spreadsheets and bulk API
submissions go through `visits.uploads.submit` with the kind's spec. Atomic and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit

from .uploads import rproblem


def _consistency(spec, instance) -> list:
    """What a form or API request chooses separately and a spreadsheet resolves together: the
    scheme must be the contract's, and the person the contract's council's."""
    problems = []
    contract = getattr(instance, "contract", None) if spec.has_contract else None
    if contract is not None:
        scheme = getattr(instance, "scheme", None)
        if scheme is not None and not contract.schemes.filter(pk=scheme.pk).exists():
            problems.append(
                rproblem(
                    1, "scheme", "scheme_not_in_contract", scheme=scheme.name, contract=contract.reference
                )
            )
        person = getattr(instance, "service_user", None)
        if person is not None and person.commissioner_id != contract.commissioner_id:
            problems.append(rproblem(1, "service_user", "unknown_person", value=person.reference))
    if not spec.has_contract:
        if instance.service_user.commissioner_id != instance.activity.commissioner_id:
            problems.append(
                rproblem(1, "service_user", "unknown_person", value=instance.service_user.reference)
            )
    return problems


@transaction.atomic
def record_save(*, actor, spec, instance, before: dict | None):
    """Check a record with its kind's rules and save it; `before` is the stored snapshot when
    editing. Returns the record."""
    now = timezone.now()
    if spec.has_contract:
        spec.derive(instance)
    problems = _consistency(spec, instance)
    problems += spec.check([(1, instance)], user=actor, now=now, editing={1: instance.pk})
    if problems:
        errors = {}
        for p in problems:
            errors.setdefault(p.field, []).append(p.message)
        raise ValidationError(errors)
    is_new = instance.pk is None
    if not is_new and before == spec.snapshot(instance):
        return instance
    instance.save()
    if is_new:
        audit.record(actor=actor, obj=instance, action="recorded")
    else:
        audit.record(
            actor=actor, obj=instance, action="updated", changes=audit.diff(before, spec.snapshot(instance))
        )
    return instance
