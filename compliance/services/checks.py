"""The periodic check: alerts for items expiring within 30 days and overdue, resolved when they no longer hold."""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils import timezone

from portal.alerts import new_alert, raise_alerts
from portal.models import Alert, Organisation
from portal.roles import OrganisationKind
from schemes.models import Contract, LotMembership
from workforce.models import StaffMember
from workforce.rules import TrainingState, financial_year_start
from workforce.selectors import training_gaps_by_provider, workforce_summaries

from .. import alerts
from ..models import (
    InsuranceKind,
    InsuranceRequirement,
)
from ..selectors import (
    current_certificates,
    current_policies,
    fmt_day,
)
from .common import INSURANCE_EXPIRY, POLICY_EXPIRY, _compliance_url, end_of_day
from .duties import duty_alerts

# Alert kinds the periodic check keeps in step with the records (raised while the condition
# holds, resolved when it no longer does). Safeguarding is not among them: it waits for a person.
SYNCED_KINDS = [
    alerts.INSURANCE_EXPIRING,
    alerts.INSURANCE_EXPIRED,
    alerts.PROVIDER_INSURANCE,
    alerts.POLICY_DUE,
    alerts.POLICY_OVERDUE,
    alerts.TRAINING,
    alerts.VETTING,
    alerts.RIGHT_TO_WORK,
    alerts.ASC_WDS,
    alerts.DUTY_DUE,
]


def _working_pairs(today: dt.date) -> dict[int, set[int]]:
    """Each council's providers now: live contracts and admitted lot memberships."""
    partners: dict[int, set[int]] = defaultdict(set)
    pairs = (
        Contract.objects.live_on(today)
        .order_by()
        .values_list("commissioner_id", "provider_id")
        .union(LotMembership.objects.admitted().order_by().values_list("commissioner_id", "provider_id"))
    )
    for commissioner_id, provider_id in pairs:
        partners[commissioner_id].add(provider_id)
    return partners


def _insurance_gap_alerts(
    today: dt.date, current: Mapping[tuple[int, str], Mapping[str, Any]]
) -> list[Alert]:
    """Councils: gaps against their own requirements, for the providers they work with now."""
    labels = dict(InsuranceKind.choices)
    partners = _working_pairs(today)
    names = dict(Organisation.objects.filter(kind=OrganisationKind.PROVIDER).values_list("pk", "name"))
    found = []
    for req in InsuranceRequirement.objects.values("commissioner_id", "kind", "minimum_cover"):
        label = labels.get(req["kind"], req["kind"]).lower()
        for provider_id in sorted(partners.get(req["commissioner_id"], ())):
            name = names.get(provider_id, "A provider")
            cert = current.get((provider_id, req["kind"]))
            if cert is None:
                problem, title = "missing", f"{name} has no {label} insurance on record"
            elif cert["expires_on"] < today:
                problem = f"expired:{cert['expires_on'].isoformat()}"
                title = f"{name}'s {label} insurance expired on {fmt_day(cert['expires_on'])}"
            elif cert["cover_amount"] < req["minimum_cover"]:
                problem = f"below:{cert['cover_amount']}"
                title = (
                    f"{name}'s {label} cover of £{cert['cover_amount']:,.0f} is below the "
                    f"£{req['minimum_cover']:,.0f} you require"
                )
            else:
                continue
            found.append(
                new_alert(
                    kind=alerts.PROVIDER_INSURANCE,
                    recipient_id=req["commissioner_id"],
                    key=f"{provider_id}:{req['kind']}:{problem}",
                    title=title,
                    url=_compliance_url(provider_id),
                )
            )
    return found


def _training_alerts(today: dt.date) -> list[Alert]:
    month = today.strftime("%Y-%m")
    found = []
    for provider_id, counts in training_gaps_by_provider(StaffMember.objects.all(), today).items():
        overdue, not_done = counts[TrainingState.OVERDUE], counts[TrainingState.NOT_DONE]
        if overdue or not_done:
            found.append(
                new_alert(
                    kind=alerts.TRAINING,
                    recipient_id=provider_id,
                    key=f"{provider_id}:{month}",
                    title=f"Training: {overdue} item{'s' if overdue != 1 else ''} overdue and {not_done} not done",
                    url=reverse("workforce:training-matrix"),
                )
            )
    return found


def _workforce_alerts(today: dt.date) -> list[Alert]:
    """Vetting gaps, a right to work ending within 30 days or ended (one alert per member of staff,
    so each is seen before it expires), and an ASC-WDS share below the councils' target
    `[002 §6.1]`, `[003 §7.4, §9.2]`."""
    month = today.strftime("%Y-%m")
    found = []
    for pid, summary in workforce_summaries(StaffMember.objects.all(), today).items():
        url = reverse("workforce:staff-list")
        others = 0
        for staff_id, reference, gap in summary.gaps:
            if gap.item == "right_to_work" and gap.due_on is not None:
                found.append(
                    new_alert(
                        kind=alerts.RIGHT_TO_WORK,
                        recipient_id=pid,
                        key=f"{staff_id}:{gap.due_on.isoformat()}",
                        title=f"Staff {reference}: {gap.text}",
                        url=reverse("workforce:staff-detail", args=[staff_id]),
                        due_at=end_of_day(gap.due_on),
                        severity=Alert.Severity.URGENT if gap.overdue else Alert.Severity.ACTION,
                    )
                )
            else:
                others += 1
        if others:
            staff = len({s for s, _r, g in summary.gaps if g.item != "right_to_work" or g.due_on is None})
            found.append(
                new_alert(
                    kind=alerts.VETTING,
                    recipient_id=pid,
                    key=f"{pid}:{month}",
                    title=f"Vetting: {others} item{'s' if others != 1 else ''} missing for {staff} member"
                    f"{'s' if staff != 1 else ''} of staff (DBS, references, right to work)",
                    url=url,
                )
            )
        target = summary.standard.asc_wds_target
        if summary.asc_wds_below_target and target is not None:
            found.append(
                new_alert(
                    kind=alerts.ASC_WDS,
                    recipient_id=pid,
                    key=f"{pid}:{financial_year_start(today).year}",
                    title=f"ASC-WDS: {summary.asc_wds_percent}% of staff records updated this financial "
                    f"year, below the {target.normalize():f}% required",
                    url=url,
                )
            )
    return found


def compliance_alerts_raise(*, today: dt.date) -> int:
    """Raise alerts for items expiring within 30 days and overdue items, and resolve the alerts
    whose condition no longer holds. Set-based: a fixed number of queries, one insert."""
    certificates = list(current_certificates().values("provider_id", "kind", "expires_on", "cover_amount"))
    policies = current_policies().values("provider_id", "kind", "review_due_on")
    current = {(c["provider_id"], c["kind"]): c for c in certificates}
    wanted = [
        *INSURANCE_EXPIRY.alerts(certificates, today),
        *POLICY_EXPIRY.alerts(policies, today),
        *_insurance_gap_alerts(today, current),
        *_training_alerts(today),
        *_workforce_alerts(today),
        *duty_alerts(today),
    ]
    created = raise_alerts(wanted)
    # Conditions that no longer hold (renewed, reviewed, trained): resolve their open alerts.
    keys = {(a.recipient_id, a.kind, a.key) for a in wanted}
    stale = [
        a.pk
        for a in Alert.objects.open()
        .filter(kind__in=[k.code for k in SYNCED_KINDS])
        .only("pk", "recipient_id", "kind", "key")
        if (a.recipient_id, a.kind, a.key) not in keys
    ]
    if stale:
        Alert.objects.filter(pk__in=stale).update(resolved_at=timezone.now(), resolution="No longer applies")
    return created
