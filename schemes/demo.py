"""Reference data from the specifications, loaded by `load_demo`.

Norfolk's 15 schemes in 5 lots with their units `[004 App. 1]`, Derby's 5 schemes in 2 lots
`[002 §Lots]`, Dorset's open framework with its Extra Care and Children's lots `[003 App. 1]`,
`[000]`, `[001]`, and NHS Dorset's complex-care lot `[003 App. 1 lot 20]`, `[001 Part 2]`; then demo providers holding contracts and one demo user per role.
"""

import datetime as dt
from decimal import Decimal as D

from django.conf import settings
from django.db import transaction

from portal.accounts.services import second_factor_give_known_secret
from portal.models import ApiToken, CommissionerType, CqcRating, Organisation, User
from portal.roles import Capability, OrganisationKind, Role, signs_in_to_browser
from portal.services import api_token_issue

from .models import (
    Contract,
    Framework,
    Lot,
    PaymentModel,
    Scheme,
    SchemeUnitGroup,
    Tenure,
    UnitSize,
    UnitType,
)
from .services import contract_create, contract_rate_set

DEMO_PASSWORD = "portal-demo-2026"

NORFOLK = "Norfolk County Council"
DERBY = "Derby City Council"
DORSET = "Dorset Council"
NHS_DORSET = "NHS Dorset"

G, DEM, RES, BUN = UnitType.GENERAL, UnitType.DEMENTIA, UnitType.RESPITE, UnitType.BUNGALOW
S, DBL, ANY = UnitSize.SINGLE, UnitSize.DOUBLE, UnitSize.UNSPECIFIED
RENT, PART = Tenure.RENTED, Tenure.PART_OWNED

# (lot number, lot name, scheme, landlord, address, postcode, unplanned h/wk, est. planned h/wk,
#  [(unit type, size, count, tenure, care provided, note)])  — domain.md table; units [004 App. 1]
NORFOLK_SCHEMES = [
    (
        "1",
        "Norwich",
        "Barley Court",
        "Saffron Housing Trust",
        "Beechcroft, New Costessey",
        "NR5 0RJ",
        "98",
        "792.00",
        [
            (G, S, 53, ANY, True, "Includes 4 working-age adult flats"),
            (G, DBL, 6, ANY, True, ""),
            (RES, S, 1, ANY, True, "Respite flat"),
        ],
    ),
    (
        "1",
        "Norwich",
        "Dell Rose Court",
        "Broadland Housing",
        "Northfields, Norwich",
        "NR4 7EL",
        "98",
        "847.20",
        [(G, S, 32, ANY, True, ""), (G, DBL, 4, ANY, True, ""), (DEM, S, 12, ANY, True, "")],
    ),
    (
        "1",
        "Norwich",
        "Harriet Court",
        "Broadland Housing",
        "Lakenfields, Lakenham",
        "NR1 2DG",
        "98",
        "730.20",
        [(G, S, 29, ANY, True, ""), (G, DBL, 2, ANY, True, ""), (DEM, S, 9, ANY, True, "")],
    ),
    (
        "1",
        "Norwich",
        "The Meadows",
        "Saffron Housing Trust",
        "Ladysmock Way, Norwich",
        "NR5 9BF",
        "147",
        "1366.02",
        [
            (G, S, 75, ANY, True, "Includes 3 working-age adult flats"),
            (G, DBL, 8, ANY, True, ""),
            (DEM, S, 7, ANY, True, ""),
            (DEM, DBL, 2, ANY, True, ""),
        ],
    ),
    (
        "2",
        "Norwich and North",
        "Green Lane View",
        "Housing 21",
        "St Michaels Ave, Aylsham",
        "NR11 6YA",
        "98",
        "303.60",
        [
            (
                G,
                S,
                18,
                ANY,
                True,
                "7 leasehold / shared-ownership flats have no care arrangements and are not counted",
            ),
            (G, DBL, 5, ANY, True, ""),
        ],
    ),
    (
        "2",
        "Norwich and North",
        "Redmayne View",
        "Housing 21",
        "Mountbatten Drive, Sprowston",
        "NR6 7PX",
        "98",
        "528.00",
        [(G, S, 32, ANY, True, ""), (G, DBL, 8, ANY, True, "")],
    ),
    (
        "3",
        "North & East (coastal)",
        "St Augustine's Place and Addison Road",
        "Orbit HA / Great Yarmouth BC",
        "Addison Road, Gorleston",
        "NR31 0PA",
        "98",
        "448.80",
        [
            (G, S, 20, ANY, True, "St Augustine's Place flats"),
            (BUN, S, 14, ANY, True, "Addison Road bungalows, with access to St Augustine's Place"),
        ],
    ),
    (
        "3",
        "North & East (coastal)",
        "Benjamin Court",
        "Broadland HA",
        "Roughton Road, Cromer",
        "NR27 0EU",
        "98",
        "396.00",
        [(G, S, 24, ANY, True, ""), (G, DBL, 6, ANY, True, "")],
    ),
    (
        "3",
        "North & East (coastal)",
        "Lloyd Court",
        "Broadland HA",
        "High Kelling, Holt",
        "NR25 6AE",
        "98",
        "528.00",
        [(G, S, 36, ANY, True, ""), (G, DBL, 4, ANY, True, "")],
    ),
    (
        "3",
        "North & East (coastal)",
        "The Lawns",
        "Broadland HA",
        "Caister Road, Great Yarmouth",
        "NR30 4DQ",
        "98",
        "396.00",
        [(G, S, 28, ANY, True, ""), (G, DBL, 2, ANY, True, "")],
    ),
    (
        "4",
        "West",
        "Lisbon Court",
        "Broadland HA",
        "Galyon Rd, King's Lynn",
        "PE30 3FB",
        "98",
        "396.00",
        [(G, S, 30, ANY, True, "")],
    ),
    (
        "4",
        "West",
        "Oakes Court",
        "Broadland HA",
        "Palmer Way, Downham Market",
        "PE38 9UZ",
        "98",
        "734.00",
        [(G, S, 25, ANY, True, ""), (G, DBL, 5, ANY, True, ""), (DEM, S, 10, ANY, True, "")],
    ),
    (
        "5",
        "South",
        "Laburnum Grove",
        "Flagship",
        "48 Laburnum Grove, Thetford",
        "IP24 3HS",
        "98",
        "396.00",
        [(G, S, 29, ANY, True, ""), (G, DBL, 1, ANY, True, "")],
    ),
    (
        "5",
        "South",
        "Robert Kett Court",
        "Broadland HA",
        "Ethel Gooch Rd, Wymondham",
        "NR18 0LH",
        "98",
        "734.00",
        [(G, S, 28, ANY, True, ""), (G, DBL, 2, ANY, True, ""), (DEM, S, 10, ANY, True, "")],
    ),
    (
        "5",
        "South",
        "Weavers Court",
        "Saffron Housing Trust",
        "Mount St, Diss",
        "IP22 4QH",
        "98",
        "686.40",
        [
            (G, S, 48, ANY, True, "4 flats are designated for working-age adults"),
            (RES, S, 1, ANY, True, "Respite flat"),
            (BUN, ANY, 3, ANY, False, "The provider answers alarm calls only and holds no master key"),
        ],
    ),
]
# Dementia units sit behind keypad access in the five schemes that have them [004 §3.9.7.1].

DERBY_SCHEMES = [
    (
        "1",
        "Handyside Court",
        "Housing 21",
        "Rowena Close, Alvaston",
        "DE24 8HQ",
        [(G, S, 31, RENT), (G, DBL, 7, RENT)],
    ),
    ("1", "Sunnyfield Court", "Housing 21", "Blackmore Street, Sunny Hill", "DE23 8AS", [(G, DBL, 70, RENT)]),
    ("2", "Cedar House", "The Retail Trust", "Leylands Estate, Broadway", "DE22 1AY", [(G, S, 38, RENT)]),
    (
        "2",
        "Greenwich Gardens",
        "Sanctuary Retirement Living",
        "34 Greenwich Drive North, Mackworth",
        "DE22 4BH",
        [(G, S, 1, PART), (G, DBL, 19, PART), (G, S, 37, RENT), (G, DBL, 41, RENT)],
    ),
    (
        "2",
        "Parklands View",
        "Derby City Council / Derby Homes",
        "Bath Street, Darley",
        "DE1 3BT",
        [(G, DBL, 20, PART), (G, DBL, 62, RENT)],
    ),
]

# Dorset Council's lots in the current open framework, numbered as its Appendix 1 numbers them
# `[003 App. 1]` (seeds 000 and 001 call them Segment 1 Lots 8 and 9 of the older framework):
# (number, name, description, {lot fields}). Lot 27 is Dorset Council's only ("DC Only"); its
# referrals come from the Children Who Are Disabled team, aged 8 up to the 18th birthday
# `[001 P1 §4.1-4.2]`.
DORSET_LOTS = [
    (
        "5",
        "Extra Care",
        "Care and support within extra care schemes (Dorset Council only), bought as weekly packages with a "
        "tolerance of five hours within the usual payment period [000 §1.4]. Quarterly KPIs R1–R8 [000 §5].",
        {},
    ),
    (
        "27",
        "Children's Care and Support at Home and Community Support",
        "Care at home and short-break activities for disabled children (Dorset Council only), referred by "
        "the Children Who Are Disabled team for children aged 8 up to their 18th birthday [001 P1 §4.1-4.2].",
        {
            "referral_min_age": 8,
            "referral_age_limit": 18,
            "referring_team": "Children Who Are Disabled team (CWAD)",
        },
    ),
]

# NHS Dorset (the clinical commissioning group, now the integrated care board) commissions the
# children's complex care of Part 2 of the old children's lot `[001 Part 2]`; in the current
# framework that is its own lot, Complex care – domiciliary, "CCG only" `[003 App. 1 lot 20]`. The
# framework is the Commissioning Partners' one: the NHS's lots are kept as NHS Dorset's own
# framework record, so nothing of them is Dorset Council's.
NHS_DORSET_LOTS = [
    (
        "20",
        "Complex care – domiciliary (CCG only)",
        "Care for adults and children eligible for continuing health care, in line with the agreed health care "
        "outcome plan, needing a registered nurse to provide or oversee the care [003 App. 1]. Children's "
        "complex care as Part 2 of the children's specification describes it [001 Part 2].",
        {},
    ),
]

# (name, CQC location ID, rating, rating date)
PROVIDERS = {
    "Wensum Valley Care": ("1-4182736450", CqcRating.GOOD, dt.date(2025, 3, 12)),
    "Waveney Homecare": ("1-5293847561", CqcRating.OUTSTANDING, dt.date(2024, 11, 4)),
    "Derwent Extra Care Services": ("1-6304958672", CqcRating.GOOD, dt.date(2025, 6, 20)),
    "Markeaton Support": ("1-7415069783", CqcRating.GOOD, dt.date(2024, 9, 2)),
    "Purbeck Care Partnership": ("1-8526170894", CqcRating.GOOD, dt.date(2025, 1, 28)),
    "Stour Children's Support": ("1-9637281905", CqcRating.OUTSTANDING, dt.date(2025, 5, 15)),
}

# Each council's contract term and payment model.
NORFOLK_TERM = (dt.date(2024, 4, 1), dt.date(2029, 3, 31), PaymentModel.HOURLY_4_WEEKLY)
DERBY_TERM = (dt.date(2025, 4, 1), dt.date(2030, 3, 31), PaymentModel.BLOCK_QUARTERLY)
DORSET_TERM = (dt.date(2023, 1, 1), dt.date(2027, 12, 31), PaymentModel.WEEKLY_PACKAGE)
JAN23, APR25, APR26 = dt.date(2023, 1, 1), dt.date(2025, 4, 1), dt.date(2026, 4, 1)


def _norfolk(lot: str, provider: str, *planned: str) -> tuple:
    """A Norfolk contract: planned rates from each April 2024 on, unplanned care at £24.28."""
    rates = [(dt.date(2024 + i, 4, 1), rate, "24.28") for i, rate in enumerate(planned)]
    return (NORFOLK, lot, provider, f"NCC-HWC-L{lot}", *NORFOLK_TERM, rates)


def _contract(council: str, lot: str, provider: str, reference: str, term: tuple, **rates: str) -> tuple:
    """A contract with no separate unplanned-care rate (Derby's composite rate, Dorset's
    packages); `rates` maps "from_<date name>" to the planned rate."""
    dates = {"from_jan23": JAN23, "from_apr25": APR25, "from_apr26": APR26}
    return (council, lot, provider, reference, *term, [(dates[k], rate, None) for k, rate in rates.items()])


# (commissioner, lot number, provider, reference, start, end, payment model, [(from, planned, unplanned)])
CONTRACTS = [
    _norfolk("1", "Wensum Valley Care", "22.40", "22.85", "23.10"),
    _norfolk("2", "Wensum Valley Care", "22.40", "22.85", "23.10"),
    _norfolk("3", "Wensum Valley Care", "22.60", "23.00", "23.30"),
    _norfolk("4", "Waveney Homecare", "22.95", "23.30", "23.52"),
    _norfolk("5", "Waveney Homecare", "22.95", "23.30", "23.52"),
    _contract(
        DERBY,
        "1",
        "Derwent Extra Care Services",
        "DCC-EC-L1",
        DERBY_TERM,
        from_apr25="21.80",
        from_apr26="22.35",
    ),
    _contract(
        DERBY, "2", "Markeaton Support", "DCC-EC-L2", DERBY_TERM, from_apr25="22.10", from_apr26="22.60"
    ),
    _contract(
        DORSET,
        "5",
        "Purbeck Care Partnership",
        "DOR-L5-01",
        DORSET_TERM,
        from_jan23="24.50",
        from_apr26="25.40",
    ),
    _contract(DORSET, "27", "Stour Children's Support", "DOR-L27-01", DORSET_TERM, from_jan23="26.00"),
    # The children's complex care: NHS Dorset's contract with the same provider [001 Part 2].
    _contract(NHS_DORSET, "20", "Stour Children's Support", "NHSD-L20-01", DORSET_TERM, from_jan23="28.50"),
]

# (username, organisation, role, first name, last name)
USERS = [
    ("admin", "Portal operations", Role.SITE_ADMIN, "Sam", "Operator"),
    ("norfolk.commissioner", NORFOLK, Role.COMMISSIONER, "Nadia", "Okafor"),
    ("norfolk.brokerage", NORFOLK, Role.BROKERAGE, "Ben", "Hales"),
    ("norfolk.api", NORFOLK, Role.API_CLIENT, "Norfolk", "Finance system"),
    ("derby.commissioner", DERBY, Role.COMMISSIONER, "Priya", "Shah"),
    ("derby.brokerage", DERBY, Role.BROKERAGE, "Tom", "Ward"),
    ("dorset.commissioner", DORSET, Role.COMMISSIONER, "Ellen", "Hardy"),
    ("dorset.brokerage", DORSET, Role.BROKERAGE, "Joe", "Pike"),
    ("nhsdorset.commissioner", NHS_DORSET, Role.COMMISSIONER, "Asha", "Mensah"),
    ("nhsdorset.brokerage", NHS_DORSET, Role.BROKERAGE, "Rhys", "Bennett"),
    ("wensum.manager", "Wensum Valley Care", Role.PROVIDER_MANAGER, "Grace", "Moore"),
    ("wensum.staff", "Wensum Valley Care", Role.PROVIDER_STAFF, "Liam", "Carter"),
    ("wensum.api", "Wensum Valley Care", Role.API_CLIENT, "Wensum", "Call monitoring"),
    ("waveney.manager", "Waveney Homecare", Role.PROVIDER_MANAGER, "Hannah", "Price"),
    ("waveney.staff", "Waveney Homecare", Role.PROVIDER_STAFF, "Owen", "Bell"),
    ("derwent.manager", "Derwent Extra Care Services", Role.PROVIDER_MANAGER, "Ruth", "Sharp"),
    ("markeaton.manager", "Markeaton Support", Role.PROVIDER_MANAGER, "Imran", "Ali"),
    ("purbeck.manager", "Purbeck Care Partnership", Role.PROVIDER_MANAGER, "Kate", "Lane"),
    ("stour.manager", "Stour Children's Support", Role.PROVIDER_MANAGER, "Dan", "Frost"),
]

# Deterministic demo keys so the README can show a working curl; never use these outside a demo.
API_TOKENS = [
    ("norfolk.api", "Norfolk KPI and invoice reader", "demo-norfolk-api-key-0001", []),
    ("wensum.api", "Wensum call monitoring feed", "demo-wensum-api-key-0001", [Capability.PROVIDER_RECORD]),
]


# What the demo's invoices carry for the provider most demo pages show (invented account).
DEMO_FINANCE = {
    "Wensum Valley Care": {
        "address": "Unit 4, Riverside Works\nNorwich NR1 1AA",
        "bank_account_name": "Wensum Valley Care Ltd",
        "bank_sort_code": "20-45-77",
        "bank_account_number": "41632907",
    },
}


def _organisations(out):
    orgs = _councils(out)
    for name, (location, rating, rated_on) in PROVIDERS.items():
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": OrganisationKind.PROVIDER,
                "cqc_location_id": location,
                "cqc_rating": rating,
                "cqc_rating_date": rated_on,
                **DEMO_FINANCE.get(name, {}),
            },
        )
    return orgs


def _norfolk(orgs):
    framework, _ = Framework.objects.get_or_create(
        commissioner=orgs[NORFOLK],
        name="Care and Support in Housing with Care",
        defaults={
            "reference": "NCC-HWC",
            "specification": "[004]",
            "start_date": dt.date(2024, 4, 1),
            "end_date": dt.date(2029, 3, 31),
            "description": "15 schemes in 5 lots; Individual Service Orders through the provider portal; "
            "4-weekly payment periods [004].",
        },
    )
    for _position, (
        number,
        lot_name,
        name,
        landlord,
        address,
        postcode,
        unplanned,
        planned,
        units,
    ) in enumerate(NORFOLK_SCHEMES):
        lot, _ = Lot.objects.get_or_create(
            framework=framework, number=number, defaults={"name": lot_name, "position": int(number)}
        )
        has_dementia = any(u[0] == DEM for u in units)
        scheme, created = Scheme.objects.get_or_create(
            lot=lot,
            name=name,
            defaults={
                "landlord": landlord,
                "address": address,
                "postcode": postcode,
                "unplanned_hours_per_week": D(unplanned),
                "estimated_planned_hours_per_week": D(planned),
                "keypad_dementia_access": has_dementia,
            },
        )
        if created:
            SchemeUnitGroup.objects.bulk_create(
                SchemeUnitGroup(
                    scheme=scheme,
                    unit_type=t,
                    size=size,
                    count=count,
                    tenure=tenure,
                    care_provided=care,
                    note=note,
                )
                for t, size, count, tenure, care, note in units
            )


def _derby(orgs):
    framework, _ = Framework.objects.get_or_create(
        commissioner=orgs[DERBY],
        name="Extra Care Services",
        defaults={
            "reference": "DCC-EC",
            "specification": "[002]",
            "start_date": dt.date(2025, 4, 1),
            "end_date": dt.date(2030, 3, 31),
            "description": "Planned care, the 24/7 emergency response and the wellbeing service in five "
            "schemes, paid as a quarterly block with a block-volume review [002].",
        },
    )
    lot_names = {
        "1": "Handyside Court and Sunnyfield Court",
        "2": "Cedar House, Greenwich Gardens and Parklands View",
    }
    for number, name, landlord, address, postcode, units in DERBY_SCHEMES:
        lot, _ = Lot.objects.get_or_create(
            framework=framework, number=number, defaults={"name": lot_names[number], "position": int(number)}
        )
        scheme, created = Scheme.objects.get_or_create(
            lot=lot,
            name=name,
            defaults={"landlord": landlord, "address": address, "postcode": postcode},
        )
        if created:
            SchemeUnitGroup.objects.bulk_create(
                SchemeUnitGroup(scheme=scheme, unit_type=t, size=size, count=count, tenure=tenure)
                for t, size, count, tenure in units
            )


def _dorset(orgs):
    framework, _ = Framework.objects.get_or_create(
        commissioner=orgs[DORSET],
        name="Dorset Care, Support, Housing and Community Safety Framework",
        defaults={
            "reference": "DORSET-CARE",
            "specification": "[003]",
            "is_open": True,
            "start_date": dt.date(2022, 10, 1),
            "end_date": dt.date(2032, 9, 30),
            "description": "A 10-year open framework of 27 lots that providers may join, widen or leave at "
            "any time [003 §2, App. 1].",
        },
    )
    _lots(framework, DORSET_LOTS)
    nhs_framework, _ = Framework.objects.get_or_create(
        commissioner=orgs[NHS_DORSET],
        name="Dorset Care Framework: NHS Dorset's lots",
        defaults={
            "reference": "DORSET-CARE-NHS",
            "specification": "[003], [001 Part 2]",
            "is_open": True,
            "start_date": dt.date(2022, 10, 1),
            "end_date": dt.date(2032, 9, 30),
            "description": "The lots of the Dorset Care Framework that NHS Dorset commissions alone "
            '("CCG only") [003 App. 1].',
        },
    )
    _lots(nhs_framework, NHS_DORSET_LOTS)


def _lots(framework, lots):
    for position, (number, name, description, fields) in enumerate(lots, start=1):
        Lot.objects.get_or_create(
            framework=framework,
            number=number,
            defaults={"name": name, "description": description, "position": position, **fields},
        )


def _contracts(orgs):
    for commissioner, lot_number, provider, reference, start, end, model, rates in CONTRACTS:
        if Contract.objects.filter(commissioner=orgs[commissioner], reference=reference).exists():
            continue
        lot = Lot.objects.get(framework__commissioner=orgs[commissioner], number=lot_number)
        first_from, first_planned, first_unplanned = rates[0]
        contract = contract_create(
            actor=None,
            commissioner=orgs[commissioner],
            provider=orgs[provider],
            lot=lot,
            reference=reference,
            title=f"{lot.name} — {provider}",
            start_date=start,
            end_date=end,
            payment_model=model,
            planned_hourly_rate=D(first_planned),
            unplanned_hourly_rate=D(first_unplanned) if first_unplanned else None,
            payment_period_anchor=start if model == PaymentModel.HOURLY_4_WEEKLY else None,
        )
        for effective_from, planned, unplanned in rates[1:]:
            contract_rate_set(
                actor=None,
                contract=contract,
                effective_from=effective_from,
                planned_hourly_rate=D(planned),
                unplanned_hourly_rate=D(unplanned) if unplanned else None,
                note="Annual review",
            )


def _users(orgs, out):
    created = 0
    for username, org_name, role, first, last in USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            organisation=orgs[org_name],
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        created += 1
    for username, name, key, scopes in API_TOKENS:
        user = User.objects.get(username=username)
        if not ApiToken.objects.filter(user=user, name=name).exists():
            api_token_issue(actor=None, user=user, name=name, scopes=scopes, key=key)
    out.write(f"  Demo accounts ({created} new), every password: {DEMO_PASSWORD}")
    for username, org_name, role, _first, _last in USERS:
        out.write(f"    {username:24} {role.label:20} {org_name}")
    for username, _name, key, scopes in API_TOKENS:
        out.write(f"    API key for {username}: {key} ({', '.join(scopes) or 'read-only'})")
    _second_factors(out)


def _second_factors(out):
    """Where the settings allow it (local and test, never production), every demo person gets an
    authenticator with one known secret, so a demo can be signed into with its codes."""
    secret = settings.PORTAL.get("DEMO_TOTP_SECRET")
    if not secret:
        out.write("  Demo accounts set up their authenticator app when they first sign in.")
        return
    for username, _org_name, role, _first, _last in USERS:
        if signs_in_to_browser(role):
            second_factor_give_known_secret(user=User.objects.get(username=username), secret=secret)
    out.write(f"  Second factor: every demo person's authenticator app secret is {secret}")
    out.write("    (add it to an authenticator app, or `python manage.py demo_totp_code` prints the code)")


@transaction.atomic
def load(out):
    orgs = _organisations(out)
    _norfolk(orgs)
    _derby(orgs)
    _dorset(orgs)
    _contracts(orgs)
    _users(orgs, out)


def _councils(out):
    """The councils the specifications come from, and the portal's operator: organisations, not people."""
    orgs = {}
    orgs["Portal operations"], _ = Organisation.objects.get_or_create(
        name="Portal operations", defaults={"kind": OrganisationKind.OPERATOR}
    )
    for name in (NORFOLK, DERBY, DORSET):
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={"kind": OrganisationKind.COMMISSIONER, "commissioner_type": CommissionerType.COUNCIL},
        )
    orgs[NHS_DORSET], _ = Organisation.objects.get_or_create(
        name=NHS_DORSET,
        defaults={"kind": OrganisationKind.COMMISSIONER, "commissioner_type": CommissionerType.NHS},
    )
    return orgs


@transaction.atomic
def load_reference(out):
    """Reference data alone (`load_reference`): the three councils' and NHS Dorset's frameworks, lots and schemes
    with their units `[004 App. 1]`, `[002]`, `[003 App. 1]`."""
    orgs = _councils(out)
    _norfolk(orgs)
    _derby(orgs)
    _dorset(orgs)
    out.write(
        f"  Frameworks {Framework.objects.count()}, lots {Lot.objects.count()}, schemes {Scheme.objects.count()}"
    )
