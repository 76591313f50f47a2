"""Demo people and packages of care, loaded by `load_demo` after the schemes' reference data.

Deterministic (a fixed seed, fixed dates) and idempotent (loaded once, in one transaction).
The bulk is written with bulk_create (a few INSERTs per table) so the demo loads in well under a second;
the few records that show the workflow (orders awaiting acceptance, one declined, a request
for extra hours) go through the services so their alerts and audit trail are real.

- Norfolk: 8 people per scheme (15 schemes), with the specification's mix of commissioned hours
  — 40% at 13 hours or more, 30% at 9–12, 30% under 8 `[004 App. 4]`.
- Derby: 8 per scheme; 2 per scheme are non-customers (the 24/7 response only) without orders.
- Dorset: 15 extra-care weekly packages (Lot 8) and 10 children's packages (Lot 9, parts 1 and
  2), with weekly prices and referrals carrying R1–R8 timestamps.

Every version has a weekly schedule whose visit lengths add up to its weekly hours: visits for
1 April – 30 September 2026 are generated from these `ScheduledVisit` rows.
"""

import datetime as dt
import random
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction

from portal import audit
from portal.models import Organisation, User
from portal.money import pennies
from portal.workdays import add_working_days
from schemes.models import Contract, Scheme

from . import services
from .models import (
    Absence,
    AbsenceKind,
    CarePlan,
    DeclineReason,
    FundingRoute,
    IndividualServiceOrder,
    OrderOutcome,
    OrderStatus,
    OrderVersion,
    OutcomeCategory,
    Referral,
    ReferralDecision,
    ScheduledVisit,
    ServiceElement,
    ServiceEndReason,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
    _one_year_after,
)

LONDON = ZoneInfo("Europe/London")
SEED = 20260401
MARKER = "NCC-DEMO-0001"  # the first demo person: present means loaded
# The demo's "now": reviews fall due and are done up to this day, so only the chosen few are overdue.
DEMO_TODAY = dt.date(2026, 11, 20)

FIRST_NAMES = [
    "Margaret", "Arthur", "Doreen", "Kenneth", "Joan", "Dennis", "Betty", "Ronald", "Sheila", "Harold",
    "Pauline", "Stanley", "Maureen", "Leonard", "Irene", "Clifford", "Brenda", "Gordon", "Valerie", "Norman",
    "Eileen", "Raymond", "Sylvia", "Frederick", "Audrey", "Walter", "Jean", "Bernard", "Hazel", "Cyril",
]  # fmt: skip
SURNAMES = [
    "Thurlow", "Gedge", "Bunn", "Loveday", "Rix", "Howes", "Platten", "Sayer", "Blyth", "Dack",
    "Chilvers", "Mallett", "Pegg", "Spink", "Tungate", "Youngs", "Ling", "Hipkin", "Nobbs", "Frost",
]  # fmt: skip
CHILD_NAMES = ["Ella", "Noah", "Isla", "Oscar", "Freya", "Alfie", "Poppy", "Leo", "Maisie", "Jacob"]
SLOTS = [dt.time(7, 30), dt.time(12, 30), dt.time(17, 0), dt.time(20, 30)]
OUTCOMES = [
    (ServiceElement.ENABLING_POTENTIAL, OutcomeCategory.NUTRITION, "Prepares a light lunch with prompting, building to doing it alone"),
    (ServiceElement.ENABLING_POTENTIAL, OutcomeCategory.HYGIENE, "Washes and dresses independently with a carer standing by"),
    (ServiceElement.MAINTENANCE, OutcomeCategory.HOME_SAFETY, "Moves safely around the flat; falls risk reviewed monthly"),
    (ServiceElement.MAINTENANCE, OutcomeCategory.NUTRITION, "Eats a hot meal every day and drinks enough"),
    (ServiceElement.MAINTENANCE, OutcomeCategory.CLOTHING, "Is dressed appropriately for the day and the weather"),
    (ServiceElement.COMMUNITY_ASPIRATIONS, OutcomeCategory.RELATIONSHIPS, "Keeps in touch with family by video call each week"),
    (ServiceElement.COMMUNITY_ASPIRATIONS, OutcomeCategory.COMMUNITY, "Goes to the scheme's lunch club on Wednesdays"),
]  # fmt: skip


def norfolk_hours(index: int, rng: random.Random) -> D:
    """The Norfolk mix over every 10 people: 4 at 13+ h, 3 at 9–12 h, 3 under 8 h."""
    band = index % 10
    if band < 4:
        quarters = rng.randint(13 * 4, 22 * 4)
    elif band < 7:
        quarters = rng.randint(9 * 4, 12 * 4)
    else:
        quarters = rng.randint(14, 31)  # 3.5 to 7.75 hours
    return D(quarters) / 4


SLOTS_BY_VISITS = {1: SLOTS[:1], 2: [SLOTS[0], SLOTS[2]], 3: SLOTS[:3], 4: SLOTS}


def weekly_schedule(hours: D, *, time_critical_morning: bool = False) -> list[dict]:
    """Visits every day whose lengths add up exactly to the weekly hours (one carer each): one
    visit a day up to 3.5 h a week, two up to 10.5 h, three up to 17.5 h, else four."""
    units = int(hours * 4)  # quarter-hours a week
    per_day = 1 if units <= 14 else 2 if units <= 42 else 3 if units <= 70 else 4
    slots = SLOTS_BY_VISITS[per_day]
    base, extra = divmod(units, 7 * per_day)
    lines = []
    for n in range(7 * per_day):
        day, slot = divmod(n, per_day)
        quarters = base + (1 if n < extra else 0)
        if quarters:
            lines.append(
                {
                    "weekday": day,
                    "start_time": slots[slot],
                    "duration_minutes": 15 * quarters,
                    "carers": 1,
                    "time_critical": time_critical_morning and slot == 0,
                    "tasks": "Personal care and medication" if slot == 0 else "Meal and wellbeing check",
                }
            )
    return lines


def _at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON)


class Builder:
    """Collects rows, then writes each table once."""

    def __init__(self):
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.people: list[ServiceUser] = []
        self.orders: list[
            tuple[IndividualServiceOrder, list[tuple]]
        ] = []  # (order, [(from, hours, price, reason)])
        self.referrals: list[Referral] = []
        self.order_referral: dict[int, int] = {}  # order index -> referral index

    def person(
        self,
        commissioner,
        reference,
        name,
        dob,
        scheme=None,
        flat="",
        funding=FundingRoute.COUNCIL_FUNDED,
        customer=True,
    ):
        person = ServiceUser(
            commissioner=commissioner, reference=reference, name=name, date_of_birth=dob, scheme=scheme, flat=flat,
            funding_route=funding, is_customer=customer,
        )  # fmt: skip
        self.people.append(person)
        return len(self.people) - 1

    def order(
        self,
        person_index,
        contract,
        reference,
        start,
        versions,
        *,
        status=OrderStatus.ACTIVE,
        end=None,
        end_reason="",
    ):
        order = IndividualServiceOrder(
            commissioner_id=contract.commissioner_id, provider_id=contract.provider_id, contract=contract,
            reference=reference, status=status, start_date=start, end_date=end, end_reason=end_reason,
            issued_at=_at(start - dt.timedelta(days=10), 10), responded_at=_at(start - dt.timedelta(days=8), 15),
        )  # fmt: skip
        if status == OrderStatus.ENDED:
            order.ended_at = _at(end + dt.timedelta(days=1), 0, 30)
        order._person_index = person_index
        self.orders.append((order, versions))
        return len(self.orders) - 1

    def write(self):
        ServiceUser.objects.bulk_create(self.people)
        for order, _versions in self.orders:
            order.service_user = self.people[order._person_index]
        for referral in self.referrals:
            referral.service_user = self.people[referral._person_index]
        Referral.objects.bulk_create(self.referrals)
        for order_index, referral_index in self.order_referral.items():
            self.orders[order_index][0].referral = self.referrals[referral_index]
        IndividualServiceOrder.objects.bulk_create([o for o, _ in self.orders])
        versions, schedules, outcomes = [], [], []
        for order, order_versions in self.orders:
            for number, (effective_from, hours, price, reason) in enumerate(order_versions, start=1):
                version = OrderVersion(
                    order=order, number=number, effective_from=effective_from, weekly_hours=hours,
                    weekly_price=price, reason=reason,
                )  # fmt: skip
                version._schedule = weekly_schedule(hours, time_critical_morning=order.pk % 4 == 0)
                version._outcomes = [
                    OUTCOMES[(order.pk + k) % len(OUTCOMES)] for k in range(2 if hours < 9 else 3)
                ]
                versions.append(version)
        OrderVersion.objects.bulk_create(versions)
        for version in versions:
            schedules += [ScheduledVisit(version=version, **line) for line in version._schedule]
            outcomes += [
                OrderOutcome(version=version, service_element=e, category=c, description=d)
                for e, c, d in version._outcomes
            ]
        ScheduledVisit.objects.bulk_create(schedules, batch_size=2000)
        OrderOutcome.objects.bulk_create(outcomes, batch_size=2000)
        audit.record_many(
            actor=None, objects=[o for o, _ in self.orders], action="loaded (demo data)",
            changes=lambda o: {"status": [None, o.status]},
        )  # fmt: skip
        return versions


def _norfolk(b: Builder, orgs):
    norfolk = orgs["Norfolk County Council"]
    schemes = list(
        Scheme.objects.filter(lot__framework__commissioner=norfolk)
        .select_related("lot")
        .order_by("lot__position", "name")
    )
    contracts = {c.lot_id: c for c in Contract.objects.filter(commissioner=norfolk)}
    n = 0
    for scheme in schemes:
        contract = contracts[scheme.lot_id]
        for k in range(8):
            n += 1
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[(n * 7) % len(SURNAMES)]}"
            funding = FundingRoute.PART_FUNDED if n % 5 == 0 else FundingRoute.COUNCIL_FUNDED
            person = b.person(
                norfolk,
                f"NCC-DEMO-{n:04d}",
                name,
                dt.date(1930 + n % 25, 1 + n % 12, 1 + n % 28),
                scheme,
                f"{k + 1:02d}",
                funding,
            )
            hours = norfolk_hours(n - 1, b.rng)
            start = dt.date(2024, 6, 3) + dt.timedelta(days=b.rng.randint(0, 640))  # June 2024 – March 2026
            versions = [(start, hours, None, "")]
            status, end, end_reason = OrderStatus.ACTIVE, None, ""
            if n in (6, 31, 58, 97):  # permanent variations during the visits window
                on = [dt.date(2026, 5, 6), dt.date(2026, 6, 17), dt.date(2026, 7, 8), dt.date(2026, 8, 5)][
                    [6, 31, 58, 97].index(n)
                ]
                new_hours = max(D("3.5"), hours + (D("3.5") if n % 2 == 0 else D("-2.5")))
                versions.append((on, new_hours, None, "Reviewed: needs changed"))
            if n in (17, 84):
                status, end, end_reason = (
                    OrderStatus.ENDED,
                    dt.date(2026, 6, 30),
                    ServiceEndReason.RESIDENTIAL,
                )
            if n == 44:
                status = OrderStatus.SUSPENDED
            index = b.order(
                person,
                contract,
                f"NCC-ISO-{n:05d}",
                start,
                versions,
                status=status,
                end=end,
                end_reason=end_reason,
            )
            if status == OrderStatus.SUSPENDED:
                b.orders[index][0].suspended_reason = "Long hospital stay; package held"


def _derby(b: Builder, orgs):
    derby = orgs["Derby City Council"]
    schemes = list(
        Scheme.objects.filter(lot__framework__commissioner=derby).order_by("lot__position", "name")
    )
    contracts = {c.lot_id: c for c in Contract.objects.filter(commissioner=derby)}
    n = 0
    for scheme in schemes:
        for k in range(8):
            n += 1
            customer = k not in (3, 7)
            name = f"{FIRST_NAMES[(n * 3) % len(FIRST_NAMES)]} {SURNAMES[(n * 11) % len(SURNAMES)]}"
            person = b.person(
                derby, f"DCC-DEMO-{n:04d}", name, dt.date(1935 + n % 22, 1 + n % 12, 2 + n % 26), scheme, f"{10 + k}",
                FundingRoute.DIRECT_PAYMENT if n % 9 == 0 else FundingRoute.COUNCIL_FUNDED, customer,
            )  # fmt: skip
            if customer:
                hours = D(b.rng.randint(16, 64)) / 4  # 4 to 16 hours
                start = dt.date(2025, 4, 7) + dt.timedelta(days=b.rng.randint(0, 350))
                b.order(
                    person, contracts[scheme.lot_id], f"DCC-CPLI-{n:05d}", start, [(start, hours, None, "")]
                )


def _dorset(b: Builder, orgs):
    dorset = orgs["Dorset Council"]
    # The children's complex care (Part 2) is NHS Dorset's: its people, referrals and orders are the
    # NHS's, not the council's [001 Part 2].
    contracts = {
        c.reference: c
        for c in Contract.objects.filter(
            commissioner__name__in=["Dorset Council", "NHS Dorset"]
        ).select_related("lot", "commissioner")
    }
    extra_care = contracts["DOR-L5-01"]
    children = [contracts["DOR-L27-01"]] * 7 + [contracts["NHSD-L20-01"]] * 3
    rate_before, rate_from_april = D("24.50"), D("25.40")
    rows = [(extra_care, i) for i in range(15)] + [(c, 15 + i) for i, c in enumerate(children)]
    for contract, n in rows:
        rng = b.rng
        child = n >= 15
        commissioner = contract.commissioner
        prefix = "NHSD" if contract.reference.startswith("NHSD") else "DOR"
        if child:
            name = f"{CHILD_NAMES[n - 15]} {SURNAMES[(n * 5) % len(SURNAMES)]}"
            # Born 2008–2016: aged 8–17 when referred in 2025–26, as Part 1 requires [001 P1 §4.2].
            dob = dt.date(2008 + (n % 9), 1 + n % 12, 3 + n % 25)
            rate = D("26.00") if contract.reference == "DOR-L27-01" else D("28.50")
            hours = D(rng.randint(12, 40)) / 4  # 3 to 10 hours of short breaks and support
        else:
            name = f"{FIRST_NAMES[(n * 13) % len(FIRST_NAMES)]} {SURNAMES[(n * 3 + 1) % len(SURNAMES)]}"
            dob = dt.date(1936 + n, 1 + n % 12, 5 + n % 20)
            rate = rate_before
            hours = D(rng.randint(20, 72)) / 4
        person = b.person(
            commissioner, f"{prefix}-DEMO-{n + 1:04d}", name, dob, None, "", FundingRoute.COUNCIL_FUNDED
        )
        # The referral: received on a weekday morning; answered within hours to days; first visit and
        # support solution a few working days on (some miss R7 or R8, and two cross bank holidays).
        received_day = dt.date(2025, 3, 3) + dt.timedelta(days=rng.randint(0, 330))
        while received_day.weekday() >= 5:
            received_day += dt.timedelta(days=1)
        if n == 3:
            received_day = dt.date(2025, 4, 17)  # Maundy Thursday: Good Friday and Easter Monday follow
        if n == 18:
            received_day = dt.date(2025, 8, 21)  # the week before the August bank holiday
        emergency = n % 6 == 0
        received = _at(received_day, 9 + n % 7, 15 * (n % 4))
        responded = received + dt.timedelta(
            hours=rng.choice([2, 5, 20, 30, 52]) if emergency else rng.choice([4, 26, 75, 150, 200])
        )
        decided = responded + dt.timedelta(days=rng.randint(0, 3))
        accepted_on = decided.astimezone(LONDON).date()
        first_visit = add_working_days(accepted_on, rng.choice([3, 5, 6, 7, 7, 9]))
        agreed = add_working_days(first_visit, rng.choice([2, 3, 5, 5, 6]))
        b.referrals.append(
            Referral(
                commissioner=commissioner,
                provider_id=contract.provider_id,
                contract=contract,
                reference=f"{prefix}-REF-{n + 1:04d}",
                received_at=received,
                referring_team=contract.lot.referring_team,
                is_emergency=emergency,
                responded_at=responded,
                decision=ReferralDecision.ACCEPTED,
                decided_at=decided,
                first_visit_date=first_visit,
                support_solution_agreed_date=agreed,
                needs_summary="Personal care mornings and evenings"
                if not child
                else "Short breaks and support at home",
            )  # fmt: skip
        )
        b.referrals[-1]._person_index = person
        start = first_visit
        price = pennies(hours * (rate if start < dt.date(2026, 4, 1) or child else rate_from_april))
        versions = [(start, hours, price, "")]
        if not child and start < dt.date(
            2026, 4, 1
        ):  # the April price review, a new version from 6 April 2026
            versions.append(
                (dt.date(2026, 4, 6), hours, pennies(hours * rate_from_april), "Annual price review")
            )
        status, end, end_reason = OrderStatus.ACTIVE, None, ""
        if n == 9:  # R3: completed the service
            status, end, end_reason = OrderStatus.ENDED, dt.date(2026, 5, 31), ServiceEndReason.COMPLETED
            b.referrals[-1].service_ended_on, b.referrals[-1].service_end_reason = (
                end,
                ServiceEndReason.COMPLETED,
            )
        index = b.order(
            person,
            contract,
            f"{prefix}-ISO-{n + 1:05d}",
            start,
            versions,
            status=status,
            end=end,
            end_reason=end_reason,
        )
        b.order_referral[index] = len(b.referrals) - 1
    # R2: two referrals declined, and why; one still awaiting a decision.
    for k, (reason, detail) in enumerate(
        [
            (DeclineReason.NO_CAPACITY, "No carers free for double-handed evening calls"),
            (DeclineReason.NEEDS_BEYOND_SERVICE, ""),
        ]
    ):
        person = b.person(
            dorset,
            f"DOR-DEMO-{30 + k:04d}",
            f"{FIRST_NAMES[k + 4]} {SURNAMES[k + 9]}",
            dt.date(1941 + k, 6, 9),
        )
        received = _at(dt.date(2026, 2, 9) + dt.timedelta(days=7 * k), 11)
        b.referrals.append(
            Referral(
                commissioner=dorset,
                provider_id=extra_care.provider_id,
                contract=extra_care,
                reference=f"DOR-REF-{30 + k:04d}",
                received_at=received,
                responded_at=received + dt.timedelta(hours=28),
                decision=ReferralDecision.DECLINED,
                decided_at=received + dt.timedelta(hours=28),
                decline_reason=reason,
                decline_detail=detail,
            )  # fmt: skip
        )
        b.referrals[-1]._person_index = person
    person = b.person(dorset, "DOR-DEMO-0032", "Gwen Trowbridge", dt.date(1939, 3, 14))
    b.referrals.append(
        Referral(
            commissioner=dorset,
            provider_id=extra_care.provider_id,
            contract=extra_care,
            reference="DOR-REF-0032",
            received_at=_at(dt.date(2026, 11, 16), 10),
            is_emergency=False,
            needs_summary="Moving into extra care from hospital",
        )  # fmt: skip
    )
    b.referrals[-1]._person_index = person


def _plans_absences_and_variations(b: Builder):
    orders = [o for o, _ in b.orders if o.status != OrderStatus.ENDED]
    plans = []
    for k, order in enumerate(orders):
        agreed = order.start_date - dt.timedelta(days=3)
        last = None
        anniversary = _one_year_after(agreed)
        while anniversary <= DEMO_TODAY:
            last, anniversary = anniversary, _one_year_after(anniversary)
        due = _one_year_after(last or agreed)
        if k in (5, 40, 77):  # a few reviews overdue (due late summer / autumn 2026 and not done)
            due = dt.date(2026, 8, 14) + dt.timedelta(days=20 * (k % 3))
            last, agreed = None, due - dt.timedelta(days=300)
        plans.append(
            CarePlan(
                service_user=order.service_user,
                provider_id=order.provider_id,
                order=order,
                agreed_on=agreed,
                last_reviewed_on=last,
                next_review_due=due,
                potential_for_greater_independence=k % 3 == 0,
                summary="Outcomes agreed with the person and their family.",
            )  # fmt: skip
        )
    CarePlan.objects.bulk_create(plans)
    absences = [
        (orders[2], AbsenceKind.HOSPITAL, dt.date(2026, 5, 4), dt.date(2026, 5, 17), "Admitted after a fall"),
        (orders[11], AbsenceKind.HOLIDAY, dt.date(2026, 6, 1), dt.date(2026, 6, 7), "With family in Cromer"),
        (
            orders[25],
            AbsenceKind.HOSPITAL,
            dt.date(2026, 7, 20),
            dt.date(2026, 8, 2),
            "Planned hip operation",
        ),
        (orders[63], AbsenceKind.OTHER, dt.date(2026, 8, 10), dt.date(2026, 8, 12), "Respite elsewhere"),
        (orders[120], AbsenceKind.HOSPITAL, dt.date(2026, 9, 14), None, "Still in hospital"),
    ]
    Absence.objects.bulk_create(
        Absence(service_user=o.service_user, kind=kind, start_date=s, end_date=e, notes=note, recorded_by_organisation_id=o.provider_id)
        for o, kind, s, e, note in absences
    )  # fmt: skip
    # A longer full-pay retainer agreed in writing by the social worker [004 §1.6.1 b]: to day 21.
    Absence.objects.filter(service_user=orders[120].service_user, start_date=dt.date(2026, 9, 14)).update(
        retainer_full_pay_until=dt.date(2026, 10, 4),
        retainer_agreed_by="Priya Shah, social worker",
        retainer_agreed_on=dt.date(2026, 9, 16),
        retainer_note="Email on the person's file: keep the team ready for discharge.",
    )
    approved = [
        (
            orders[3],
            dt.date(2026, 5, 11),
            dt.date(2026, 5, 24),
            D("3.00"),
            "Recovering from a chest infection",
        ),
        (orders[30], dt.date(2026, 7, 6), dt.date(2026, 7, 19), D("2.50"), "Family carer away"),
        (orders[90], dt.date(2026, 9, 1), dt.date(2026, 9, 14), D("1.75"), "Settling back after hospital"),
    ]
    TemporaryVariation.objects.bulk_create(
        TemporaryVariation(
            order=o,
            start_date=s,
            end_date=e,
            extra_hours_per_week=h,
            reason=r,
            status=TemporaryVariationStatus.APPROVED,
            decided_at=_at(s - dt.timedelta(days=2), 11),
        )  # fmt: skip
        for o, s, e, h, r in approved
    )


def _workflow(orgs, out):
    """Through the services: orders waiting for Wensum Valley Care to accept, one declined, and a
    request for extra hours waiting for Norfolk's brokerage."""
    brokerage = User.objects.get(username="norfolk.brokerage")
    manager = User.objects.get(username="wensum.manager")
    staff = User.objects.get(username="wensum.staff")
    norfolk = orgs["Norfolk County Council"]
    contract = Contract.objects.get(commissioner=norfolk, reference="NCC-HWC-L1")
    schemes = list(contract.schemes.order_by("name"))
    waiting = [
        ("Winifred Cubitt", "NCC-DEMO-0901", dt.date(1938, 2, 11), D("10.5"), dt.date(2026, 12, 7)),
        ("Albert Kemp", "NCC-DEMO-0902", dt.date(1944, 9, 30), D("14"), dt.date(2026, 12, 14)),
        ("Olive Gaze", "NCC-DEMO-0903", dt.date(1936, 5, 2), D("7"), dt.date(2027, 1, 4)),
        ("Reginald Pye", "NCC-DEMO-0904", dt.date(1941, 12, 19), D("17.5"), dt.date(2026, 12, 7)),
    ]
    orders = []
    for k, (name, reference, dob, hours, start) in enumerate(waiting):
        person = services.service_user_create(
            actor=brokerage,
            reference=reference,
            name=name,
            date_of_birth=dob,
            scheme=schemes[k % len(schemes)],
            flat=f"2{k}",
        )
        order = services.order_create(
            actor=brokerage, service_user=person, contract=contract, start_date=start, weekly_hours=hours,
            schedule=weekly_schedule(hours), reference=f"NCC-ISO-0900{k + 1}",
            outcomes=[{"service_element": e, "category": c, "description": d} for e, c, d in OUTCOMES[k : k + 2]],
        )  # fmt: skip
        orders.append(services.order_issue(actor=brokerage, order=order))
    services.order_decline(
        actor=manager, order=orders[-1], reason=DeclineReason.NO_CAPACITY,
        detail="We cannot staff four calls a day at Barley Court until February.",
    )  # fmt: skip
    active = (
        IndividualServiceOrder.objects.filter(
            provider__name="Wensum Valley Care", status=OrderStatus.ACTIVE, end_date__isnull=True
        )
        .order_by("reference")
        .first()
    )
    services.temporary_variation_request(
        actor=staff, order=active, start_date=dt.date(2026, 11, 30), end_date=dt.date(2026, 12, 13),
        extra_hours_per_week=D("3.5"), reason="Extra evening support after a urine infection; GP reviewing on 11 December.",
    )  # fmt: skip
    return len(orders)


@transaction.atomic
def load(out):
    if ServiceUser.objects.filter(reference=MARKER).exists():
        out.write("  packages of care: already loaded")
        return
    orgs = {
        o.name: o
        for o in Organisation.objects.filter(
            name__in=["Norfolk County Council", "Derby City Council", "Dorset Council"]
        )
    }
    b = Builder()
    _norfolk(b, orgs)
    _derby(b, orgs)
    _dorset(b, orgs)
    versions = b.write()
    _plans_absences_and_variations(b)
    issued = _workflow(orgs, out)
    alerts = services.care_plan_overdue_alerts()
    from .demo_outcomes import load as load_care_planning

    load_care_planning(out)
    out.write(
        f"  packages of care: {len(b.people) + issued} people, {len(b.orders) + issued} orders "
        f"({len(versions) - len(b.orders)} variations), {len(b.referrals)} referrals; "
        f"{issued - 1} orders await Wensum Valley Care, 1 declined; {alerts} review alerts"
    )
