"""A council's compliance terms, safeguarding escalation `[003 §7.9]` and the provider's other
dated duties to a council `[004 §3.4.1, §8.2.2]`, `[002 §4.8, §5, §6.4]`, `[003 §11]`."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import new_alert, raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, Organisation, User
from portal.roles import OrganisationKind
from schemes.models import partners_of

from .. import alerts, rules
from ..models import DUTY_WORKFLOW, ComplianceTerms, DutyKind, ProviderDuty
from .common import _require_provider

TERMS_FIELDS = [
    "inspection_report_hours",
    "rating_notice_working_days",
    "safeguarding_contact",
    "self_assessment_months",
    "source",
]


@transaction.atomic
def compliance_terms_set(
    *,
    actor: User | None,
    commissioner: Organisation,
    inspection_report_hours: int | None = None,
    rating_notice_working_days: int | None = None,
    safeguarding_contact: str = "",
    self_assessment_months: int | None = None,
    source: str = "",
) -> ComplianceTerms:
    """Set what the council's contracts ask of its providers' notices (one record per council)."""
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise ValidationError("Only a commissioner sets compliance terms.")
    terms = ComplianceTerms.objects.filter(commissioner=commissioner).first() or ComplianceTerms(
        commissioner=commissioner
    )
    values = {
        "inspection_report_hours": inspection_report_hours,
        "rating_notice_working_days": rating_notice_working_days,
        "safeguarding_contact": safeguarding_contact.strip(),
        "self_assessment_months": self_assessment_months,
        "source": source.strip(),
    }
    return audit.save_changes(terms, values, fields=TERMS_FIELDS, actor=actor, action="compliance terms set")


# Safeguarding ------------------------------------------------------------------------------


def safeguarding_escalate(*, incidents: Iterable[Any]) -> int:
    """Raise each new safeguarding concern at once with its council, naming the council's
    safeguarding contact `[003 §7.9]`. The alert is not resolved by any check: it stays open until
    someone at the council acknowledges it. Each incident names its `commissioner`, `provider`,
    `reference` and `summary`. Returns how many alerts were new."""
    incidents = list(incidents)
    if not incidents:
        return 0
    contacts = dict(
        ComplianceTerms.objects.filter(commissioner__in={i.commissioner_id for i in incidents}).values_list(
            "commissioner_id", "safeguarding_contact"
        )
    )
    names = dict(
        Organisation.objects.filter(pk__in={i.provider_id for i in incidents}).values_list("pk", "name")
    )
    found = []
    for incident in incidents:
        contact = contacts.get(incident.commissioner_id) or "your safeguarding team"
        provider = names.get(incident.provider_id, "a provider")
        found.append(
            new_alert(
                kind=alerts.SAFEGUARDING,
                recipient_id=incident.commissioner_id,
                key=f"safeguarding:{incident.pk}",
                title=f"Safeguarding concern {incident.reference} from {provider}: pass it to {contact} now",
                detail=str(getattr(incident, "summary", ""))[:2000],
                url=incident.get_absolute_url(),
                severity=Alert.Severity.URGENT,
                due_at=timezone.now(),
            )
        )
    return raise_alerts(found)


# Dated duties ------------------------------------------------------------------------------


def _terms_months(commissioner: Organisation) -> int | None:
    return (
        ComplianceTerms.objects.filter(commissioner=commissioner)
        .values_list("self_assessment_months", flat=True)
        .first()
    )


@transaction.atomic
def duty_record(
    *,
    actor: User | None,
    provider: Organisation,
    commissioner: Organisation,
    kind: str,
    summary: str,
    occurred_on: dt.date,
) -> ProviderDuty:
    """Record a duty the provider owes a council, with its due date from `rules.duty_due`."""
    _require_provider(provider)
    if kind not in DutyKind.values:
        raise ValidationError({"kind": "Choose what this is."})
    if not partners_of(provider).filter(pk=commissioner.pk).exists():
        raise ValidationError({"commissioner": "Choose a council you work with."})
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": "Say what it is about."})
    due = rules.duty_due(kind, occurred_on, _terms_months(commissioner))
    duty = audit.save_new(
        ProviderDuty(
            provider=provider,
            commissioner=commissioner,
            kind=kind,
            summary=summary,
            occurred_on=occurred_on,
            due_on=due,
        ),
        actor=actor,
        action="duty recorded",
        changes={"kind": [None, kind], "due_on": [None, due]},
    )
    return duty


@transaction.atomic
def duty_send(*, actor: User | None, duty: ProviderDuty, note: str = "") -> ProviderDuty:
    """The provider sends the notice, review, self-assessment or request to the council."""
    duty.done_at = timezone.now()
    DUTY_WORKFLOW.apply(
        duty,
        "send",
        actor=actor,
        note=note.strip(),
        update_fields=["done_at"],
        changes={"late": [None, timezone.localtime(duty.done_at).date() > duty.due_on]},
    )
    resolve_matching(
        kind=alerts.DUTY_DUE, key=f"duty:{duty.pk}", actor=actor, resolution="Sent", recipient=duty.provider
    )
    consent = duty.kind == DutyKind.SUBCONTRACTING
    raise_alert(
        recipient=duty.commissioner,
        kind=alerts.DUTY_RECEIVED,
        key=f"duty:{duty.pk}",
        title=f"{duty.provider.name}: {duty.get_kind_display().lower()}"
        + (" — give or refuse consent" if consent else ""),
        detail=duty.summary[:2000],
        url=duty.get_absolute_url(),
        severity=Alert.Severity.ACTION if consent else Alert.Severity.INFO,
        obj=duty,
    )
    return duty


@transaction.atomic
def duty_decide(*, actor: User | None, duty: ProviderDuty, consent: bool, response: str = "") -> ProviderDuty:
    """The council gives or refuses consent to sub-contract `[002 §6.4]`, `[003 §11]`."""
    if duty.kind != DutyKind.SUBCONTRACTING:
        raise ValidationError("Only a request to sub-contract is consented to or refused.")
    response = response.strip()
    if not consent and not response:
        raise ValidationError({"response": "Say why consent is refused."})
    duty.decided_at, duty.response = timezone.now(), response
    DUTY_WORKFLOW.apply(
        duty,
        "consent" if consent else "refuse",
        actor=actor,
        note=response,
        update_fields=["decided_at", "response"],
    )
    resolve_matching(
        kind=alerts.DUTY_RECEIVED,
        key=f"duty:{duty.pk}",
        actor=actor,
        resolution="Decided",
        recipient=duty.commissioner,
    )
    raise_alert(
        recipient=duty.provider,
        kind=alerts.DUTY_DECIDED,
        key=f"duty:{duty.pk}",
        title=f"{duty.commissioner.name} {'gave' if consent else 'refused'} consent to sub-contract",
        detail=response,
        url=duty.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=duty,
    )
    return duty


def duty_alerts(today: dt.date) -> list[Alert]:
    """Duties due within 30 days or overdue, for the provider (the periodic check keeps them in step)."""
    found = []
    for duty in (
        ProviderDuty.objects.open()
        .filter(due_on__lte=today + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS))
        .select_related("commissioner")
    ):
        overdue = duty.due_on < today
        found.append(
            new_alert(
                kind=alerts.DUTY_DUE,
                recipient_id=duty.provider_id,
                key=f"duty:{duty.pk}",
                title=f"{duty.get_kind_display()} to {duty.commissioner.name} "
                + (
                    f"overdue since {rules.fmt_day(duty.due_on)}"
                    if overdue
                    else f"due by {rules.fmt_day(duty.due_on)}"
                ),
                url=duty.get_absolute_url(),
                due_at=rules.end_of_day(duty.due_on),
                severity=Alert.Severity.URGENT if overdue else Alert.Severity.ACTION,
            )
        )
    return found
