"""The canary world the permission matrix runs in.

Two councils and two providers (plus a third provider that only C1 works with, so provider
isolation inside one council is tested too), an NHS commissioner that buys from C1's provider, and
the portal operator:

    C1 ── P1      (pair "C1P1")
    C1 ── P3      (pair "C1P3"; P3 has no users: its records are canaries P1 must never see)
    C2 ── P2      (pair "C2P2")
    CN ── P4      (pair "CNP4": an NHS commissioner, as NHS Dorset with its children's complex care
                   `[001 Part 2]`; the councils see none of it. tests/continuing_care/test_http.py
                   covers one provider working for both a council and the NHS.)

Every record a builder creates carries a canary token in a text field (a name, reference or
note): `ref(key)` for reference data (organisations, frameworks, lots, schemes, contracts) and
`pii(pair)` for care records (people, orders, visits, invoices, returns…). A response to a user
must contain no token outside that user's organisation's visible set; the operator sees
reference data and no care records.

Apps add their records with a `tests/<app>/world.py` module defining `ORDER` (int) and
`build(world)`; builders run in ORDER and may read what earlier ones stored in `world.objects`.
"""

import datetime as dt
from dataclasses import dataclass, field

from portal.models import ApiToken, CommissionerType, Organisation, User
from portal.roles import Capability, OrganisationKind, Role
from schemes.services import contract_create
from tests.matrix.routes import app_modules

PASSWORD = "matrix-password-123"

ORG_KEYS = ("C1", "C2", "CN", "P1", "P2", "P3", "P4", "OP")
COMMISSIONERS = ("C1", "C2", "CN")
PAIRS = ("C1P1", "C1P3", "C2P2", "CNP4")
PAIR_PARTIES = {"C1P1": ("C1", "P1"), "C1P3": ("C1", "P3"), "C2P2": ("C2", "P2"), "CNP4": ("CN", "P4")}

# Which reference tokens and which care-record tokens each organisation may see.
VISIBLE_REF = {
    "C1": {"C1", "P1", "P3", "C1P1", "C1P3"},
    "C2": {"C2", "P2", "C2P2"},
    "CN": {"CN", "P4", "CNP4"},
    "P1": {"C1", "P1", "C1P1"},
    "P2": {"C2", "P2", "C2P2"},
    "P4": {"CN", "P4", "CNP4"},
    "OP": {"C1", "C2", "CN", "P1", "P2", "P3", "P4", "C1P1", "C1P3", "C2P2", "CNP4", "OP"},
}
VISIBLE_PII = {
    "C1": {"C1P1", "C1P3"},
    "C2": {"C2P2"},
    "CN": {"CNP4"},
    "P1": {"C1P1"},
    "P2": {"C2P2"},
    "P4": {"CNP4"},
    "OP": set(),
}

# The users the matrix signs in as: (org key, matrix role). "api_client" holds a read-only
# token; "api_client_rw" a token granted every write capability its organisation may have.
MATRIX_ROLES = {
    "C1": ("commissioner", "brokerage", "api_client", "api_client_rw"),
    "C2": ("commissioner", "brokerage", "api_client", "api_client_rw"),
    "CN": ("commissioner", "brokerage"),
    "P1": ("provider_manager", "provider_staff", "api_client", "api_client_rw"),
    "P2": ("provider_manager", "provider_staff", "api_client", "api_client_rw"),
    "P4": ("provider_manager",),
    "OP": ("site_admin",),
}


def ref(key: str) -> str:
    """Canary for reference data belonging to an organisation or a pair."""
    return f"QQ{key}QQ"


def pii(pair: str) -> str:
    """Canary for care records belonging to a commissioner–provider pair."""
    return f"ZZ{pair}ZZ"


def forbidden_tokens(org_key: str) -> list[str]:
    refs = [ref(k) for k in (*ORG_KEYS, *PAIRS) if k not in VISIBLE_REF[org_key]]
    piis = [pii(p) for p in PAIRS if p not in VISIBLE_PII[org_key]]
    return refs + piis


def all_tokens() -> list[str]:
    return [ref(k) for k in (*ORG_KEYS, *PAIRS)] + [pii(p) for p in PAIRS]


def in_scope(org_key: str, owner: str, reference: bool) -> bool:
    """Whether a record owned by `owner` (an org key or a pair) is visible to `org_key`;
    `reference` says whether it is reference data or a care record."""
    if reference:
        return owner in VISIBLE_REF[org_key]
    if owner in PAIRS:
        return owner in VISIBLE_PII[org_key]
    return owner == org_key  # a care record one organisation keeps to itself (e.g. its alerts)


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (org, role) -> API key
    objects: dict[str, dict[str, object]] = field(default_factory=dict)  # name -> {owner: instance}

    def put(self, name: str, owner: str, obj) -> None:
        self.objects.setdefault(name, {})[owner] = obj

    def get(self, name: str, owner: str):
        return self.objects[name][owner]

    def user(self, org_key: str, role: str) -> User:
        return self.users[(org_key, role)]

    def commissioner(self, pair: str) -> Organisation:
        return self.orgs[PAIR_PARTIES[pair][0]]

    def provider(self, pair: str) -> Organisation:
        return self.orgs[PAIR_PARTIES[pair][1]]


def pair_contract(world: World, pair: str, lot, code: str, title: str, **terms):
    """A contract between the pair's council and provider on `lot` to 31 March 2029, its reference
    and title carrying the pair's reference token: made as the portal makes one, with no actor."""
    c_key, p_key = PAIR_PARTIES[pair]
    return contract_create(
        actor=None,
        commissioner=world.orgs[c_key],
        provider=world.orgs[p_key],
        lot=lot,
        reference=f"{code}-{ref(pair)}",
        title=f"{title} {ref(pair)}",
        end_date=dt.date(2029, 3, 31),
        **terms,
    )


def _organisations(world: World) -> None:
    for key in ("C1", "C2"):
        world.orgs[key] = Organisation.objects.create(
            name=f"Canary council {ref(key)}",
            kind=OrganisationKind.COMMISSIONER,
            commissioner_type=CommissionerType.COUNCIL,
        )
    world.orgs["CN"] = Organisation.objects.create(
        name=f"Canary NHS {ref('CN')}",
        kind=OrganisationKind.COMMISSIONER,
        commissioner_type=CommissionerType.NHS,
    )
    for key in ("P1", "P2", "P3", "P4"):
        world.orgs[key] = Organisation.objects.create(
            name=f"Canary care {ref(key)}",
            kind=OrganisationKind.PROVIDER,
            cqc_location_id=f"1-{key}",
            cqc_rating="good",
        )
    world.orgs["OP"] = Organisation.objects.create(
        name=f"Operator {ref('OP')}", kind=OrganisationKind.OPERATOR
    )


def _users(world: World) -> None:
    for org_key, roles in MATRIX_ROLES.items():
        org = world.orgs[org_key]
        for matrix_role in roles:
            role = Role.API_CLIENT if matrix_role.startswith("api_client") else matrix_role
            user = User(
                username=f"{org_key.lower()}-{matrix_role}",
                organisation=org,
                role=role,
                email=f"{org_key.lower()}-{matrix_role}@example.org",
            )
            user.set_password(PASSWORD)
            user.save()
            world.users[(org_key, matrix_role)] = user
            if role == Role.API_CLIENT:
                scopes = []
                if matrix_role == "api_client_rw":
                    scopes = (
                        [Capability.COMMISSION, Capability.BROKER]
                        if org.is_commissioner
                        else [Capability.PROVIDER_RECORD, Capability.PROVIDER_MANAGE]
                    )
                _token, key = ApiToken.issue(user=user, name=f"matrix {matrix_role}", scopes=scopes)
                world.keys[(org_key, matrix_role)] = key


def _builders():
    return sorted(app_modules("world"), key=lambda m: (m.ORDER, m.__name__))


def build_world() -> World:
    world = World()
    _organisations(world)
    _users(world)
    for module in _builders():
        module.build(world)
    return world
