"""Permission-matrix specs for the NHS children's complex care routes (HTML and API) `[001 Part 2]`.

Every record route points at the NHS pair's record (CNP4): councils (C1, C2), other providers and
the operator get 404 on it. NHS users (commissioner; brokerage for eligibility and plans) write the
commissioner's records, the provider the delegations, claims and mobilisation progress. API write
routes list `api_client_rw` and accept 403 (`extra_ok`): a token is allowed only on its own side.
"""

from tests.matrix.routes import CROSS_SIDE, EVERYONE_SIGNED_IN, RW_API, api, at

ALL = EVERYONE_SIGNED_IN
PAIR = "CNP4"
NHS = frozenset({"commissioner", "brokerage"})
COMMISSIONER = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
PROVIDER = frozenset({"provider_manager", "provider_staff"})
NS = "continuing_care"
API = "continuing-care-api"


def form(name, roles, record=None):
    return at(f"{NS}:{name}", {"GET": roles, "POST": roles}, record, pair=PAIR)


def page(name, record=None):
    return at(f"{NS}:{name}", {"GET": ALL}, record, pair=PAIR)


def api_routes(basename, record, writers):
    return api(f"{API}:{basename}", (record, PAIR), writers)


ROUTES = [
    page("index"),
    page("person-detail", "service_user"),
    form("eligibility-record", NHS, "service_user"),
    form("health-plan-record", NHS, "service_user"),
    form("delegation-record", PROVIDER, "service_user"),
    form("quality-check-record", COMMISSIONER, "service_user"),
    form("mileage-agreement-create", COMMISSIONER),
    page("mileage-agreement-detail", "cc_agreement"),
    form("mileage-claim-create", MANAGER),
    form("mobilisation-create", COMMISSIONER),
    page("mobilisation-detail", "cc_plan"),
    form("agency-cost-record", MANAGER, "cc_plan"),
    form("milestone-update", MANAGER, "cc_milestone"),
    *api_routes("cc-eligibility", "cc_eligibility", NHS),
    *api_routes("health-plan", "cc_health_plan", NHS),
    *api_routes("nurse-delegation", "cc_delegation", PROVIDER),
    *api_routes("quality-check", "cc_check", COMMISSIONER),
    *api_routes("mileage-agreement", "cc_agreement", COMMISSIONER),
    *api_routes("mileage-claim", "cc_claim", MANAGER),
    *api_routes("mobilisation-plan", "cc_plan", COMMISSIONER),
    *api_routes("mobilisation-milestone", "cc_milestone", frozenset()),
    at(
        f"{API}:mobilisation-milestone-progress",
        {"POST": MANAGER | RW_API},
        "cc_milestone",
        pair=PAIR,
        extra_ok=CROSS_SIDE,
    ),
    *api_routes("agency-cost", "cc_agency_cost", MANAGER),
]
