"""Writes that belong to the shell: sessions and API tokens."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import Actor, ApiToken, Organisation, User


def sessions_clear_expired() -> int:
    """Delete expired browser sessions (personal data should not linger). Returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def api_tokens_revoke_expired() -> int:
    """Mark tokens past their expiry as revoked, so the API-access page says so. Returns how many."""
    now = timezone.now()
    expired = list(ApiToken.objects.select_for_update().filter(revoked_at__isnull=True, expires_at__lte=now))
    ApiToken.objects.filter(pk__in=[t.pk for t in expired]).update(revoked_at=now)
    audit.record_many(actor=None, objects=expired, action="revoked (expired)")
    return len(expired)


ORGANISATION_DETAILS = [
    "address",
    "email",
    "telephone",
    "invoice_address",
    "vat_number",
    "bank_account_name",
    "bank_sort_code",
    "bank_account_number",
]


@transaction.atomic
def organisation_details_set(
    *, actor: User | None, organisation: Organisation, **values: object
) -> Organisation:
    """An organisation's commissioners or managers keep its details for invoices up to date
    (addresses, contact, VAT status, bank account); audited field by field."""
    unknown = set(values) - set(ORGANISATION_DETAILS)
    if unknown:
        raise ValidationError(f"These are not an organisation's details: {', '.join(sorted(unknown))}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return audit.save_changes(
        organisation, values, fields=ORGANISATION_DETAILS, actor=actor, action="details changed"
    )


@transaction.atomic
def api_token_issue(
    *,
    actor: Actor,
    user: User,
    name: str,
    scopes: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
    key: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a key to an API client account (expiring, by default in 90 days), audited; returns the
    token and its key, shown once and stored nowhere."""
    token, key = ApiToken.issue(user=user, name=name, scopes=scopes, expires_at=expires_at, key=key)
    audit.record(
        actor=actor,
        obj=token,
        action="issued",
        changes={"scopes": [None, token.scopes], "expires_at": [None, token.expires_at]},
        note=f"Key for {user.username}",
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a key at once: calls with it are refused from now on. Audited."""
    token = ApiToken.objects.select_for_update().select_related("user__organisation").get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError("This key is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, obj=token, action="revoked", changes={"revoked_at": [None, token.revoked_at]})
    return token
