"""Writes that belong to the shell: sessions and API tokens."""

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import ApiToken, Organisation, User


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
