"""Permission-matrix specs for every invoicing route (pages, documents and API).

Pages are used with a browser session (an API client signed in that way reads only). Running an
invoice is open to the council's commissioners and the provider's managers; the provider's
manager submits; the council's commissioners approve, dispute, pay, resolve disputes, decide
block reviews, record block volumes and set invoicing terms. Everyone in the pair reads.

API write routes list `api_client_rw` and accept 403 (`extra_ok`) because the matrix names roles
without their side: a council token (commission) may approve but not submit, a provider token
(provider_manage) the reverse. tests/invoicing/test_api.py checks each side's token exactly.
"""

from tests.matrix.routes import EVERYONE_SIGNED_IN, api, at, on

ALL = EVERYONE_SIGNED_IN
COUNCIL = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
EITHER = COUNCIL | MANAGER
OTHER_SIDE = frozenset({403})
NS = "invoicing"
API = "invoicing-api"


def page(name, record=None, **extra):
    return at(f"{NS}:{name}", {"GET": ALL}, record, **extra)


def form(name, roles, record=None, *, get=None, **extra):
    """A page with a form: GET shows it (to `get`, default the same roles), POST submits it."""
    return at(f"{NS}:{name}", {"GET": get or roles, "POST": roles}, record, **extra)


def button(name, roles, record):
    return at(f"{NS}:{name}", {"POST": roles}, record)


def api_read(name, record=None, **extra):
    return at(f"{API}:{name}", {"GET": ALL}, record, **extra)


def api_action(name, roles, record=None):
    return at(f"{API}:{name}", {"POST": roles | {"api_client_rw"}}, record, extra_ok=OTHER_SIDE)


ROUTES = [
    page("index"),
    form("invoice-generate", EITHER),
    page("invoice-detail", "invoice"),
    page("invoice-schedule", "invoice"),
    page("invoice-call-monitoring", "invoice"),
    page("invoice-usage", "block_invoice"),
    page("line-detail", "invoice_line"),
    form("invoice-submit", MANAGER, "invoice"),
    form("invoice-withdraw", MANAGER, "invoice_submitted"),
    page("invoice-changes", "invoice"),
    button("interest-invoice-raise", MANAGER, "invoice_paid"),
    button("invoice-regenerate", EITHER, "invoice"),
    button("invoice-approve", COUNCIL, "invoice_submitted"),
    form("invoice-dispute", COUNCIL, "invoice_submitted"),
    form("invoice-pay", COUNCIL, "invoice_approved"),
    form("dispute-resolve", COUNCIL, "invoice_disputed"),
    page("remittance-detail", "remittance"),
    page("remittance-pdf", "remittance"),
    page("remittance-csv", "remittance"),
    form("credit-note-raise", COUNCIL, "invoice_paid"),
    page("credit-note-list"),
    page("credit-note-detail", "credit_note"),
    page("credit-note-pdf", "credit_note"),
    button("credit-note-agree", MANAGER, "credit_note"),
    form("credit-note-repay", COUNCIL, "credit_note_issued"),
    page("block-review-list"),
    form("block-review-detail", COUNCIL, "block_review", get=ALL),
    form("terms-edit", COUNCIL, "contract", reference=True),
    page("block-volume-list", "block_contract", reference=True),
    form("block-volume-create", COUNCIL, "block_contract", reference=True),
]
ROUTES += [
    page(f"invoice-{document}-{fmt}", "invoice_split" if document == "summary" else "invoice")
    for document in ("summary", "schedule", "call-monitoring")
    for fmt in ("csv", "xlsx", "pdf")
]

ROUTES += [
    api_read("invoice-list"),
    api_read("invoice-detail", "invoice"),
    api_read("invoice-detail-schedule", "invoice_split", query="format=csv"),
    api_action("invoice-generate", EITHER),
    api_action("invoice-regenerate", EITHER, "invoice"),
    api_action("invoice-submit", MANAGER, "invoice"),
    api_action("invoice-withdraw", MANAGER, "invoice_submitted"),
    api_action("invoice-interest", MANAGER, "invoice_paid"),
    api_action("invoice-approve", COUNCIL, "invoice_submitted"),
    api_action("invoice-dispute", COUNCIL, "invoice_submitted"),
    api_action("invoice-pay", COUNCIL, "invoice_approved"),
    api_read("invoice-line-list"),
    api_read("invoice-line-detail", "invoice_line"),
    api_read("invoice-dispute-list"),
    api_read("invoice-dispute-detail", "dispute"),
    api_action("invoice-dispute-resolve", COUNCIL, "dispute"),
    *api(f"{API}:credit-note", ("credit_note", "C1P1"), writers=COUNCIL),
    api_action("credit-note-agree", MANAGER, "credit_note"),
    api_read("remittance-list"),
    api_read("remittance-detail", "remittance"),
    api_read("block-review-list"),
    api_read("block-review-detail", "block_review"),
    api_action("block-review-decide", COUNCIL, "block_review"),
    *api(f"{API}:block-volume", ("block_volume", "C1P1"), writers=COUNCIL, reference=True),
]

# A contract's invoicing terms, by the contract (reference data): both sides read them; the
# council's commissioners and its read-write tokens set them.
_TERMS_WRITERS = frozenset({"commissioner", "api_client_rw:council"})
ROUTES += [
    on(
        "invoicing-api:invoicing-terms-detail",
        {"GET": EVERYONE_SIGNED_IN, "PUT": _TERMS_WRITERS, "PATCH": _TERMS_WRITERS},
        ("contract", "C1P1"),
        reference=True,
    ),
]
