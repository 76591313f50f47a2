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

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

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
NS = "packages_of_care"
API = "packages-of-care-api"


def _pk(name, owner="C1P1"):
    return lambda w: {"pk": w.get(name, owner).pk}


def form(name, roles, record=None):
    """A page with a form: GET shows it, POST submits it, both for `roles`."""
    if record is None:
        return Route(f"{NS}:{name}", {"GET": roles, "POST": roles})
    return Route(f"{NS}:{name}", {"GET": roles, "POST": roles}, kwargs=_pk(record), owner="C1P1")


def action(name, roles, record):
    """A POST-only button."""
    return Route(f"{NS}:{name}", {"POST": roles}, kwargs=_pk(record), owner="C1P1")


def page(name, record=None, **extra):
    if record is None:
        return Route(f"{NS}:{name}", {"GET": ALL}, **extra)
    return Route(f"{NS}:{name}", {"GET": ALL}, kwargs=_pk(record), owner="C1P1", **extra)


def api_write(name, roles, record=None, methods=("POST",)):
    allowed = {m: roles for m in methods}
    if record is None:
        return Route(f"{API}:{name}", {"GET": ALL, **allowed}, extra_ok=OTHER_SIDE)
    return Route(f"{API}:{name}", allowed, kwargs=_pk(record), owner="C1P1", extra_ok=OTHER_SIDE)


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
    # Care plans
    page("care-plan-list"),
    page("care-plan-detail", "care_plan"),
    form("care-plan-review", RECORDERS, "care_plan"),
    # API
    api_write("service-user-list", API_BROKERAGE),
    Route(
        f"{API}:service-user-detail",
        {"GET": ALL, "PUT": API_BROKERAGE, "PATCH": API_BROKERAGE},
        kwargs=_pk("service_user"),
        owner="C1P1",
        extra_ok=OTHER_SIDE,
    ),  # fmt: skip
    api_write("referral-list", API_BROKERAGE),
    Route(f"{API}:referral-detail", {"GET": ALL}, kwargs=_pk("referral"), owner="C1P1"),
    api_write("referral-respond", API_PROVIDER, "referral"),
    api_write("referral-decide", API_MANAGER, "referral"),
    api_write("referral-progress", API_PROVIDER, "referral"),
    api_write("referral-end-service", MANAGER | API_BROKERAGE, "referral"),
    api_write("order-list", API_BROKERAGE),
    Route(
        f"{API}:order-detail",
        {"GET": ALL, "PUT": API_BROKERAGE, "PATCH": API_BROKERAGE},
        kwargs=_pk("declined_order"),
        owner="C1P1",
        extra_ok=OTHER_SIDE,
    ),  # fmt: skip
    api_write("order-issue", API_BROKERAGE, "declined_order"),
    api_write("order-withdraw", API_BROKERAGE, "issued_order"),
    api_write("order-accept", API_MANAGER, "issued_order"),
    api_write("order-decline", API_MANAGER, "issued_order"),
    api_write("order-suspend", API_BROKERAGE, "order"),
    api_write("order-resume", API_BROKERAGE, "order"),
    api_write("order-end", API_BROKERAGE, "order"),
    api_write("order-vary", API_BROKERAGE, "order"),
    Route(f"{API}:order-version-list", {"GET": ALL}),
    Route(f"{API}:order-version-detail", {"GET": ALL}, kwargs=_pk("order_version"), owner="C1P1"),
    api_write("temporary-variation-list", API_RECORDERS),
    Route(f"{API}:temporary-variation-detail", {"GET": ALL}, kwargs=_pk("temporary_variation"), owner="C1P1"),
    api_write("temporary-variation-approve", API_BROKERAGE, "temporary_variation"),
    api_write("temporary-variation-refuse", API_BROKERAGE, "temporary_variation"),
    api_write("temporary-variation-withdraw", API_PROVIDER, "temporary_variation"),
    api_write("absence-list", API_RECORDERS),
    Route(f"{API}:absence-detail", {"GET": ALL}, kwargs=_pk("absence"), owner="C1P1"),
    api_write("absence-end", API_RECORDERS, "absence"),
    api_write("care-plan-list", API_RECORDERS),
    Route(f"{API}:care-plan-detail", {"GET": ALL}, kwargs=_pk("care_plan"), owner="C1P1"),
    api_write("care-plan-review", API_RECORDERS, "care_plan"),
]
