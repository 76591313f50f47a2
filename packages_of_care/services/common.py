"""What the packages' services share: who may act on which side, locks, and small checks."""

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from portal.alerts import AlertKind, raise_alert
from portal.models import Organisation, User
from portal.roles import OrganisationKind
from portal.workflow import COUNCIL, PORTAL, PROVIDER

from ..models import DeclineReason, IndividualServiceOrder

M = TypeVar("M", bound=models.Model)


def today() -> dt.date:
    return timezone.localdate()


def require_organisation(actor: User | None, organisation_id: int | None, what: str) -> None:
    """The actor acts for `organisation_id` (None actor: the portal itself, e.g. a task)."""
    if actor is None:
        return
    if organisation_id is None or actor.organisation_id != organisation_id:
        raise PermissionDenied(f"Only {what} may do this.")


def side_of(actor: User | None) -> str:
    """Which side of a package the actor is on: the council, the provider, or the portal (no actor)."""
    if actor is None:
        return PORTAL
    kind = actor.organisation.kind
    if kind == OrganisationKind.COMMISSIONER:
        return COUNCIL
    if kind == OrganisationKind.PROVIDER:
        return PROVIDER
    raise PermissionDenied("The portal's operator does not act on care records.")


def require_side(
    side: str,
    actor: User | None,
    *,
    commissioner_id: int | None,
    provider_id: int | None,
    provider: str = "the order's provider",
) -> None:
    """The actor is on the side a transition belongs to: the council's brokerage, the provider
    (`provider` names it in the refusal), or the portal's daily task (no actor)."""
    if side == COUNCIL:
        require_organisation(actor, commissioner_id, "the commissioner's brokerage")
    elif side == PROVIDER:
        require_organisation(actor, provider_id, provider)
    elif side == PORTAL and actor is not None:
        raise PermissionDenied("Only the portal starts orders on their start date.")


def lock_order(order: IndividualServiceOrder) -> IndividualServiceOrder:
    return (
        IndividualServiceOrder.objects.select_for_update(of=("self",))
        .select_related("service_user", "contract", "provider", "commissioner")
        .get(pk=order.pk)
    )


def require_order_status(order: IndividualServiceOrder, statuses: frozenset[str], why: str) -> None:
    """The order is in one of `statuses`, else the refusal says its state and `why`."""
    if order.status not in statuses:
        raise ValidationError(f"Order {order.reference} is {order.get_status_display().lower()}: {why}")


def not_in_future(value: dt.date | dt.datetime | None, field: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if value is None:
        return
    if isinstance(value, dt.datetime):
        late = value > now
    else:
        late = value > timezone.localdate(now)
    if late:
        raise ValidationError({field: "This cannot be in the future."})


def required_text(value: str | None, field: str, message: str) -> str:
    """The text, stripped; refused (on `field`) when empty."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def check_decline_reason(reason: str, detail: str) -> None:
    if reason not in DeclineReason.values:
        raise ValidationError({"decline_reason": "Choose the reason for declining."})
    if reason == DeclineReason.OTHER and not (detail or "").strip():
        raise ValidationError({"decline_detail": "Give details when the reason is “Other”."})


def alert_about(obj: Any, *, to: Organisation, kind: AlertKind, key: str, title: str) -> None:
    """Raise an alert about a record to an organisation, linking to the record's page."""
    raise_alert(recipient=to, kind=kind, key=key, title=title, url=obj.get_absolute_url(), obj=obj)


def refuse_unknown(changes: Mapping[str, Any], allowed: set[str] | frozenset[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
