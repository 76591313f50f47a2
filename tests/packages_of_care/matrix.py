"""Permission-matrix specs for every packages-of-care route (HTML and API).

Pages are used with a browser session: API clients signed in that way read only. Brokerage
(BROKER) writes people, referrals and orders and decides on extra hours; the provider's manager
(PROVIDER_MANAGE) accepts or declines orders and referrals; provider staff (PROVIDER_RECORD) record
responses, absences, plans and ask for extra hours.

API write routes list `api_client_rw` and accept 403 (`extra_ok`): the matrix names roles without
their side, and a granted token is allowed only on its own side — a council token may issue but
not accept (403), a provider token the reverse. tests/packages_of_care/test_api.py checks each
side's token exactly.
"""

from tests.matrix.routes import EVERYONE_SIGNED_IN, at

ALL = EVERYONE_SIGNED_IN
BROKERAGE = frozenset({"brokerage"})
MANAGER = frozenset({"provider_manager"})
PROVIDER = frozenset({"provider_manager", "provider_staff"})
RECORDERS = PROVIDER | BROKERAGE  # absences, plans, extra hours: either side
API_BROKERAGE = BROKERAGE | {"api_client_rw"}
API_MANAGER = MANAGER | {"api_client_rw"}
API_PROVIDER = PROVIDER | {"api_client_rw"}
API_RECORDERS = RECORDERS | {"api_client_rw"}
OTHER_SIDE = frozenset({403})
BROKERAGE_EDITS = {"GET": ALL, "PUT": API_BROKERAGE, "PATCH": API_BROKERAGE}  # an API detail route
NS = "packages_of_care"
API = "packages-of-care-api"


def form(name, roles, record=None):
    """A page with a form: GET shows it, POST submits it, both for `roles`."""
    return at(f"{NS}:{name}", {"GET": roles, "POST": roles}, record)


def action(name, roles, record):
    """A POST-only button."""
    return at(f"{NS}:{name}", {"POST": roles}, record)


def page(name, record=None, **extra):
    return at(f"{NS}:{name}", {"GET": ALL}, record, **extra)


def api_write(name, roles, record=None):
    allowed = {"GET": ALL, "POST": roles} if record is None else {"POST": roles}
    return at(f"{API}:{name}", allowed, record, extra_ok=OTHER_SIDE)


def api_read(name, record=None):
    return at(f"{API}:{name}", {"GET": ALL}, record)


ROUTES = [
    # People
    page("service-user-list"),
    form("service-user-create", BROKERAGE),
    page("service-user-detail", "service_user"),
    form("service-user-edit", BROKERAGE, "service_user"),
    # Referrals
    page("referral-list"),
    form("referral-create", BROKERAGE),
    page("referral-detail", "referral"),
    form("referral-respond", PROVIDER, "referral"),
    form("referral-decide", MANAGER, "referral"),
    form("referral-progress", PROVIDER, "referral"),
    form("referral-end", MANAGER | BROKERAGE, "referral"),
    # Orders
    page("order-list"),
    page("order-export", query="format=xlsx"),
    form("order-create", BROKERAGE),
    page("order-detail", "order"),
    form("order-edit", BROKERAGE, "declined_order"),
    action("order-issue", BROKERAGE, "declined_order"),
    action("order-withdraw", BROKERAGE, "issued_order"),
    form("order-accept", MANAGER, "issued_order"),
    form("order-decline", MANAGER, "issued_order"),
    form("order-suspend", BROKERAGE, "order"),
    action("order-resume", BROKERAGE, "order"),
    form("order-end", BROKERAGE, "order"),
    form("order-vary", BROKERAGE, "order"),
    form("temporary-variation-create", RECORDERS, "order"),
    form("care-plan-create", RECORDERS, "order"),
    # Temporary variations
    page("temporary-variation-list"),
    page("temporary-variation-detail", "temporary_variation"),
    action("temporary-variation-approve", BROKERAGE, "temporary_variation"),
    form("temporary-variation-refuse", BROKERAGE, "temporary_variation"),
    action("temporary-variation-withdraw", PROVIDER, "temporary_variation"),
    # Absences
    page("absence-list"),
    form("absence-create", RECORDERS),
    page("absence-detail", "absence"),
    form("absence-end", RECORDERS, "absence"),
    form("absence-retainer", BROKERAGE, "absence"),
    # Care plans
    page("care-plan-list"),
    page("care-plan-detail", "care_plan"),
    form("care-plan-review", RECORDERS, "care_plan"),
    # Issue 14: outcome progress [004 §3.6.12]; Derby's simpler plan for non-customers [002 §3.4]
    form("outcome-review", RECORDERS, "order_outcome"),
    form("simple-plan-create", PROVIDER),
    api_write("outcome-review-list", API_RECORDERS),
    api_read("outcome-review-detail", "outcome_review"),
    # API
    api_write("service-user-list", API_BROKERAGE),
    at(f"{API}:service-user-detail", BROKERAGE_EDITS, "service_user", extra_ok=OTHER_SIDE),
    api_write("referral-list", API_BROKERAGE),
    api_read("referral-detail", "referral"),
    api_write("referral-respond", API_PROVIDER, "referral"),
    api_write("referral-decide", API_MANAGER, "referral"),
    api_write("referral-progress", API_PROVIDER, "referral"),
    api_write("referral-end-service", MANAGER | API_BROKERAGE, "referral"),
    api_write("order-list", API_BROKERAGE),
    at(f"{API}:order-detail", BROKERAGE_EDITS, "declined_order", extra_ok=OTHER_SIDE),
    api_write("order-issue", API_BROKERAGE, "declined_order"),
    api_write("order-withdraw", API_BROKERAGE, "issued_order"),
    api_write("order-accept", API_MANAGER, "issued_order"),
    api_write("order-decline", API_MANAGER, "issued_order"),
    api_write("order-suspend", API_BROKERAGE, "order"),
    api_write("order-resume", API_BROKERAGE, "order"),
    api_write("order-end", API_BROKERAGE, "order"),
    api_write("order-vary", API_BROKERAGE, "order"),
    api_read("order-version-list"),
    api_read("order-version-detail", "order_version"),
    api_write("temporary-variation-list", API_RECORDERS),
    api_read("temporary-variation-detail", "temporary_variation"),
    api_write("temporary-variation-approve", API_BROKERAGE, "temporary_variation"),
    api_write("temporary-variation-refuse", API_BROKERAGE, "temporary_variation"),
    api_write("temporary-variation-withdraw", API_PROVIDER, "temporary_variation"),
    api_write("absence-list", API_RECORDERS),
    api_read("absence-detail", "absence"),
    api_write("absence-end", API_RECORDERS, "absence"),
    api_write("absence-retainer", API_BROKERAGE, "absence"),
    api_write("care-plan-list", API_RECORDERS),
    api_read("care-plan-detail", "care_plan"),
    api_write("care-plan-review", API_RECORDERS, "care_plan"),
]
