"""Writes on operational records: one record by form or API. Spreadsheets and bulk API
submissions go through `portal.uploads.resource.submit` with the kind's spec. Atomic and audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from portal import audit
from portal.models import User
from portal.uploads.columns import Problem

from ..uploads import MESSAGES, RecordSpec


def _consistency(spec: RecordSpec, instance: Any) -> list[Problem]:
    """What a form or API request chooses separately and a spreadsheet resolves together: the
    scheme must be the contract's, and the person the contract's council's (or the activity's)."""
    problems = []
    owner = getattr(instance, "contract" if spec.has_contract else "activity", None)
    scheme = getattr(instance, "scheme", None)
    if spec.has_contract and owner is not None and scheme is not None:
        if not owner.schemes.filter(pk=scheme.pk).exists():
            problems.append(
                MESSAGES.problem(
                    1, "scheme", "scheme_not_in_contract", scheme=scheme.name, contract=owner.reference
                )
            )
    person = getattr(instance, "service_user", None)
    if owner is not None and person is not None and person.commissioner_id != owner.commissioner_id:
        problems.append(MESSAGES.problem(1, "service_user", "unknown_person", value=person.reference))
    return problems


@transaction.atomic
def record_save(
    *, actor: User, spec: RecordSpec, instance: models.Model, before: dict[str, Any] | None
) -> Any:
    """Check a record with its kind's rules and save it; `before` is the stored snapshot when
    editing. Returns the record."""
    now = timezone.now()
    if spec.has_contract:
        spec.derive(instance)
    problems = _consistency(spec, instance)
    problems += spec.check([(1, instance)], user=actor, now=now, editing={1: instance.pk})
    if problems:
        errors: dict[str, list[str]] = {}
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
            actor=actor,
            obj=instance,
            action="updated",
            changes=audit.diff(before or {}, spec.snapshot(instance)),
        )
    # The same consequences as an upload of the row (e.g. safeguarding goes to the council at once).
    spec.after_write(
        created=[instance] if is_new else [],
        changed=[] if is_new else [(instance, before or {})],
        actor=actor,
    )
    return instance
