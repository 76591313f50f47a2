"""Permission-matrix specs for the TUPE legacy-cost routes (pages and API).

Everyone in the pair reads. Either side's commissioners or managers keep the Legacy Staff and
their LGPS figures and raise a quarter's invoice (a draft the provider submits through
invoicing); the council's commissioners record the list as agreed."""

from tests.matrix.routes import CROSS_SIDE, EVERYONE_SIGNED_IN, RW_API, api, at, on

ALL = EVERYONE_SIGNED_IN
COUNCIL = frozenset({"commissioner"})
EITHER = frozenset({"commissioner", "provider_manager"})
NS = "legacy_costs"
API = "legacy-costs-api"


def form(name, roles, record, **extra):
    return at(f"{NS}:{name}", {"GET": roles, "POST": roles}, record, **extra)


ROUTES = [
    at(f"{NS}:index", {"GET": ALL}),
    at(f"{NS}:contract-detail", {"GET": ALL}, "contract", reference=True),
    form("invoice-raise", EITHER, "contract", reference=True),
    form("list-agree", COUNCIL, "contract", reference=True),
    form("staff-add", EITHER, "contract", reference=True),
    form("staff-end", EITHER, "legacy_staff"),
    form("lgps-figure-record", EITHER, "legacy_staff"),
    *api(f"{API}:legacy-staff", ("legacy_staff", "C1P1"), writers=EITHER),
    on(f"{API}:legacy-staff-end", {"POST": EITHER | RW_API}, ("legacy_staff", "C1P1"), extra_ok=CROSS_SIDE),
    *api(f"{API}:legacy-staff-agreement", ("legacy_agreement", "C1P1"), writers=COUNCIL),
    *api(f"{API}:lgps-figure", ("lgps_figure", "C1P1"), writers=EITHER),
    *api(f"{API}:legacy-invoice", ("legacy_invoice", "C1P1")),
    at(f"{API}:legacy-invoice-raise", {"POST": EITHER | RW_API}, extra_ok=CROSS_SIDE),
]
