"""What the compliance services share: who acts, whose record, and the two alerts a dated item raises."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.alerts import AlertKind, new_alert
from portal.models import Alert, Organisation, User
from portal.roles import OrganisationKind

from .. import alerts, rules
from ..models import (
    InsuranceKind,
    PolicyKind,
)
from ..selectors import (
    fmt_day,
)

end_of_day = rules.end_of_day


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _require_provider(organisation: Organisation) -> None:
    if organisation.kind != OrganisationKind.PROVIDER:
        raise ValidationError("Only a provider keeps a compliance record.")


def _compliance_url(provider_id: int) -> str:
    return reverse("compliance:provider-detail", args=[provider_id])


@dataclass(frozen=True)
class ExpiryAlerts:
    """The two alerts a dated item raises: once within the warning window, and once past its day.
    `last_day` names the row's date field; `labels` the kinds' names."""

    last_day: str
    labels: dict[str, str]
    expiring: AlertKind
    expiring_title: str  # formatted with {label} and {day}
    expired: AlertKind
    expired_title: str
    expired_severity: str = Alert.Severity.ACTION

    def alerts(self, rows: Iterable[Mapping[str, Any]], today: dt.date) -> list[Alert]:
        return [alert for row in rows if (alert := self.alert(row, today)) is not None]

    def alert(self, row: Mapping[str, Any], today: dt.date) -> Alert | None:
        provider_id, kind, last_day = row["provider_id"], row["kind"], row[self.last_day]
        state = rules.expiry_state(last_day, today)
        if state == rules.ExpiryState.CURRENT:
            return None
        common: dict[str, Any] = {
            "recipient_id": provider_id,
            "key": f"{provider_id}:{kind}:{last_day.isoformat()}",
            "url": _compliance_url(provider_id),
        }
        words = {"label": self.labels.get(kind, kind).lower(), "day": fmt_day(last_day)}
        if state == rules.ExpiryState.EXPIRED:
            return new_alert(
                kind=self.expired,
                title=self.expired_title.format(**words),
                severity=self.expired_severity,
                **common,
            )
        return new_alert(
            kind=self.expiring,
            title=self.expiring_title.format(**words),
            due_at=end_of_day(last_day),
            **common,
        )


INSURANCE_EXPIRY = ExpiryAlerts(
    "expires_on",
    dict(InsuranceKind.choices),
    alerts.INSURANCE_EXPIRING,
    "Your {label} insurance expires on {day}",
    alerts.INSURANCE_EXPIRED,
    "Your {label} insurance expired on {day}: add the new certificate",
    Alert.Severity.URGENT,
)
POLICY_EXPIRY = ExpiryAlerts(
    "review_due_on",
    dict(PolicyKind.choices),
    alerts.POLICY_DUE,
    "Your {label} policy is due for review by {day}",
    alerts.POLICY_OVERDUE,
    "Your {label} policy was due for review on {day}",
)
