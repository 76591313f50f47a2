"""A contract's invoicing terms, set by the council."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal import audit
from portal.models import User
from schemes.models import Contract

from ..models import InvoicingTerms

TERMS_FIELDS = [
    "vat_code",
    "submission_working_days",
    "submission_due_basis",
    "payment_days",
    "tolerance_percent",
    "package_tolerance_hours",
    "block_review_threshold_percent",
    "block_review_months",
    "block_weeks_per_quarter",
    "payment_follows_monitoring",
    "period_anchor",
    "count_each_carer",
]


@transaction.atomic
def invoicing_terms_set(*, actor: User | None, contract: Contract, **values: Any) -> InvoicingTerms:
    """The council sets a contract's invoicing terms. Invoices already generated keep theirs until
    regenerated (drafts) — submitted invoices never change."""
    unknown = set(values) - set(TERMS_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown terms: {', '.join(sorted(unknown))}")
    terms = InvoicingTerms.for_contract(contract)
    return audit.save_changes(terms, values, fields=TERMS_FIELDS, actor=actor, action="invoicing terms set")
