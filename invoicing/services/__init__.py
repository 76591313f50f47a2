"""Writes for invoicing: keyword-only, atomic, audited, each telling the other side what it must do.

runs       the invoice run (idempotent, safe under concurrency) and the scheduled runs due
workflow   submit, withdraw for a revision, approve, part-dispute, pay, resolve disputes
interest   late-payment interest invoices
credit     credit notes: raised, agreed, set off against later invoices or repaid
block      Derby's block volumes and block-volume reviews
terms      a contract's invoicing terms
tolerance  the 4-week tolerance alert, on the invoice's own weeks and rule
"""

from .block import REVIEW_WORKFLOW, block_review_decide, block_volume_record
from .common import INVOICE_WORKFLOW, TOTAL_FIELDS
from .credit import (
    CREDIT_NOTE_WORKFLOW,
    credit_note_agree,
    credit_note_raise,
    credit_note_record_repayment,
    credit_notes_set_off,
)
from .interest import interest_invoice_raise
from .runs import (
    COPY_COLUMNS,
    RunResult,
    checked_period,
    invoice_generate,
    invoice_number,
    invoice_regenerate,
    invoice_runs_due,
    period_bounds,
)
from .terms import TERMS_FIELDS, invoicing_terms_set
from .tolerance import tolerance_alerts_raise
from .workflow import (
    DISPUTE_WORKFLOW,
    SplitResult,
    dispute_resolve,
    invoice_approve,
    invoice_dispute,
    invoice_record_payment,
    invoice_submit,
    invoice_withdraw,
)

__all__ = [
    "CREDIT_NOTE_WORKFLOW",
    "credit_note_agree",
    "credit_note_raise",
    "credit_note_record_repayment",
    "credit_notes_set_off",
    "COPY_COLUMNS",
    "DISPUTE_WORKFLOW",
    "INVOICE_WORKFLOW",
    "REVIEW_WORKFLOW",
    "TERMS_FIELDS",
    "TOTAL_FIELDS",
    "RunResult",
    "SplitResult",
    "block_review_decide",
    "block_volume_record",
    "checked_period",
    "dispute_resolve",
    "interest_invoice_raise",
    "invoice_approve",
    "invoice_dispute",
    "invoice_generate",
    "invoice_number",
    "invoice_record_payment",
    "invoice_regenerate",
    "invoice_runs_due",
    "invoice_submit",
    "invoice_withdraw",
    "invoicing_terms_set",
    "period_bounds",
    "tolerance_alerts_raise",
]
