"""Demo framework membership and call-offs: Dorset's entry criteria `[003 App. 1]` and more of its
lots, the demo providers' places on their lots, an application awaiting Dorset's decision, an
open Norfolk call-off with a sealed bid, and a closed Dorset call-off scored and ready to award.

Deterministic (fixed dates) and idempotent: everything is created only if it is not there."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction

from portal.models import Organisation
from schemes.models import Framework, Lot, PaymentModel

from . import services
from .models import (
    Bid,
    BidAnswer,
    BidStatus,
    CallOff,
    CallOffStatus,
    LotEntryCriterion,
    LotMembership,
    QualityQuestion,
)

LONDON = ZoneInfo("Europe/London")
DORSET = "Dorset Council"
NHS_DORSET = "NHS Dorset"
NORFOLK = "Norfolk County Council"
DERBY = "Derby City Council"

CQC = [
    ("cqc_registered", "", "CQC registered"),
    ("cqc_good_or_better", "", "CQC rated 'good' or 'outstanding'"),
]
UNREGISTERED = [
    ("policy", "safeguarding_adults", "Declares a safeguarding policy"),
    ("policy", "safer_recruitment", "Declares a safer recruitment policy"),
    (
        "declaration",
        "",
        "Mental Capacity Act training has been undertaken by relevant staff and/or volunteers",
    ),
]

# More of Dorset's 27 lots `[003 App. 1]`, numbered as Appendix 1 numbers them (Lot 5 Extra Care and
# Lot 27 Children's come with the reference data, schemes.demo; so does NHS Dorset's Lot 20).
DORSET_EXTRA_LOTS = [
    (
        "1",
        "Care and support at home",
        "Regulated care and support in people's homes, planned or unplanned, "
        "delivered in a strengths-based way.",
    ),
    ("2", "Live in care", "Care and support from carers who live in the person's home."),
    (
        "4",
        "Crisis response to support hospital discharge and admission avoidance",
        "Short-term support, accepting people within two hours of referral.",
    ),
    (
        "9",
        "Support at home – learning disability, physical disability and autism",
        "Regulated and non-regulated support at home; providers not registered with CQC may apply.",
    ),
    (
        "23",
        "Direct payment and individual service fund support services",
        "Advice, payroll, holding accounts and a PA register for people on direct payments.",
    ),
]

# lot number -> [(route, route label, [(requirement, policy kind, wording)])]
DORSET_CRITERIA = {
    "5": [(1, "", CQC)],
    "27": [
        (
            1,
            "Providers registered with Ofsted",
            [
                ("ofsted_registered", "", "Registered with Ofsted"),
                ("ofsted_good_or_better", "", "Ofsted rated 'Good' or 'Outstanding'"),
            ],
        ),
        (2, "Providers registered with CQC (regulated activity with young people aged 16 and over)", CQC),
        (
            3,
            "Providers not undertaking regulated activity",
            [
                (
                    "enhanced_dbs_all_staff",
                    "",
                    "All staff (employed and volunteers) have enhanced DBS checks",
                ),
                ("policy", "safeguarding_children", "Declares a safeguarding policy"),
                ("policy", "safer_recruitment", "Declares a safer recruitment policy"),
                (
                    "declaration",
                    "",
                    "Mental Capacity Act training has been undertaken by relevant staff and/or "
                    "volunteers working with young people aged 16 and over",
                ),
            ],
        ),
    ],
    "1": [(1, "", CQC)],
    "2": [(1, "", CQC)],
    "4": [(1, "", CQC)],
    "9": [
        (1, "Providers registered with CQC", CQC),
        (2, "Providers not registered with CQC or Ofsted", UNREGISTERED),
    ],
    "23": [
        (
            1,
            "",
            [
                ("policy", "safeguarding_adults", "Safeguarding policy"),
                ("policy", "equality_diversity", "Equality, diversity and inclusion policy"),
                ("policy", "risk_assessment", "Risk assessment policy"),
                ("policy", "direct_payments", "Direct payment and personal health budgets policy"),
                ("policy", "information_sharing", "Information sharing protocols"),
                ("policy", "complaints", "Complaints policy and procedure"),
            ],
        )
    ],
}

# NHS Dorset's complex-care lot: CQC registered, in the service band(s) for working with children
# `[003 App. 1 lot 20]`.
NHS_DORSET_CRITERIA = {
    "20": [
        (1, "", [*CQC, ("declaration", "", "In the relevant CQC service band(s) for working with children")])
    ],
}

# (commissioner, lot number, provider, how it came onto the lot)
ADMISSIONS = [
    (NORFOLK, "1", "Wensum Valley Care", "Awarded a place in the framework's tender (April 2024)"),
    (NORFOLK, "2", "Wensum Valley Care", "Awarded a place in the framework's tender (April 2024)"),
    (NORFOLK, "3", "Wensum Valley Care", "Awarded a place in the framework's tender (April 2024)"),
    (NORFOLK, "4", "Waveney Homecare", "Awarded a place in the framework's tender (April 2024)"),
    (NORFOLK, "5", "Waveney Homecare", "Awarded a place in the framework's tender (April 2024)"),
    (NORFOLK, "4", "Wensum Valley Care", "Awarded a place in the framework's tender (April 2024)"),
    (DERBY, "1", "Derwent Extra Care Services", "Awarded in the extra care tender (2025)"),
    (DERBY, "2", "Markeaton Support", "Awarded in the extra care tender (2025)"),
    (DORSET, "5", "Purbeck Care Partnership", "Joined when the framework opened (October 2022)"),
    (DORSET, "1", "Purbeck Care Partnership", "Joined when the framework opened (October 2022)"),
    (DORSET, "27", "Stour Children's Support", "Joined when the framework opened (October 2022)"),
    (NHS_DORSET, "20", "Stour Children's Support", "Joined when the framework opened (October 2022)"),
]

QUESTIONS = [
    (
        "How will you recruit, train and keep enough staff to deliver care at every scheme, day and night?",
        D("40"),
        5,
    ),
    (
        "How will you agree, record and review outcomes with each person, and reduce care as they regain independence?",
        D("30"),
        5,
    ),
]


def _lots(commissioner):
    return {lot.number: lot for lot in Lot.objects.filter(framework__commissioner=commissioner)}


def _criteria(dorset):
    framework = Framework.objects.get(commissioner=dorset, is_open=True)
    position = Lot.objects.filter(framework=framework).count()
    for number, name, description in DORSET_EXTRA_LOTS:
        _lot, created = Lot.objects.get_or_create(
            framework=framework,
            number=number,
            defaults={"name": name, "description": description, "position": position + 1},
        )
        position += created
    _install_criteria(_lots(dorset), DORSET_CRITERIA)
    nhs = Organisation.objects.filter(name=NHS_DORSET).first()
    if nhs is not None:
        _install_criteria(_lots(nhs), NHS_DORSET_CRITERIA)


def _install_criteria(lots, criteria_by_lot):
    for number, routes in criteria_by_lot.items():
        lot = lots[number]
        if LotEntryCriterion.objects.filter(lot=lot).exists():
            continue
        LotEntryCriterion.objects.bulk_create(
            LotEntryCriterion(
                lot=lot,
                route=route,
                route_label=label,
                requirement=requirement,
                policy_kind=policy,
                wording=wording,
                position=i,
            )
            for route, label, criteria in routes
            for i, (requirement, policy, wording) in enumerate(criteria, start=1)
        )


def _admissions(orgs):
    for commissioner, number, provider, reason in ADMISSIONS:
        lot = Lot.objects.get(framework__commissioner=orgs[commissioner], number=number)
        if not LotMembership.objects.filter(lot=lot, provider=orgs[provider]).exists():
            services.membership_admit_directly(actor=None, lot=lot, provider=orgs[provider], reason=reason)
    lot_9 = Lot.objects.get(framework__commissioner=orgs[DORSET], number="9")
    if not LotMembership.objects.filter(lot=lot_9, provider=orgs["Purbeck Care Partnership"]).exists():
        services.membership_apply(
            actor=None,
            provider=orgs["Purbeck Care Partnership"],
            lot=lot_9,
            statement="We support adults with learning disabilities in Purbeck and Swanage from our Wareham office.",
        )


def _norfolk_calloff(orgs):
    norfolk = orgs[NORFOLK]
    if CallOff.objects.filter(commissioner=norfolk, reference="NCC-HWC-L4-2029").exists():
        return
    lot = Lot.objects.get(framework__commissioner=norfolk, number="4")
    calloff = services.calloff_create(
        actor=None,
        commissioner=norfolk,
        lot=lot,
        reference="NCC-HWC-L4-2029",
        title="Housing with Care, Lot 4 West, from April 2029",
        description="Care and support at Lisbon Court and Oakes Court from 1 April 2029, when the current "
        "contract ends. Hourly rate within the band of £21.00 to £23.52 [004 App. 3 §1].",
        closes_at=dt.datetime(2027, 1, 29, 12, 0, tzinfo=LONDON),
        price_min=D("21.00"),
        price_max=D("23.52"),
        price_weight=D("30"),
        questions=QUESTIONS,
        contract_reference="NCC-HWC-L4-2029",
        contract_start=dt.date(2029, 4, 1),
        contract_end=dt.date(2034, 3, 31),
        payment_model=PaymentModel.HOURLY_4_WEEKLY,
        unplanned_hourly_rate=D("24.28"),
    )
    # Published on a fixed day (the demo is deterministic), with a sealed bid from Waveney.
    calloff.status = CallOffStatus.PUBLISHED
    calloff.published_at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    calloff.save(update_fields=["status", "published_at"])
    _bid(
        calloff,
        orgs["Waveney Homecare"],
        D("23.40"),
        dt.datetime(2026, 11, 20, 15, 30, tzinfo=LONDON),
        scores=None,
    )


def _dorset_calloff(orgs):
    dorset = orgs[DORSET]
    if CallOff.objects.filter(commissioner=dorset, reference="DOR-L1-2026-07").exists():
        return
    lot = Lot.objects.get(framework__commissioner=dorset, number="1")
    calloff = CallOff.objects.create(
        commissioner=dorset,
        lot=lot,
        reference="DOR-L1-2026-07",
        title="Care and support at home, Purbeck locality, 2027–2029",
        description="Planned care at home across Purbeck, Wareham and Swanage.",
        status=CallOffStatus.PUBLISHED,
        closes_at=dt.datetime(2026, 10, 30, 12, 0, tzinfo=LONDON),
        published_at=dt.datetime(2026, 9, 14, 9, 0, tzinfo=LONDON),
        price_min=D("22.00"),
        price_max=D("27.50"),
        price_weight=D("40"),
        contract_reference="DOR-L1-PUR-01",
        contract_start=dt.date(2027, 1, 4),
        contract_end=dt.date(2029, 12, 31),
        payment_model=PaymentModel.WEEKLY_PACKAGE,
    )
    QualityQuestion.objects.bulk_create(
        [
            QualityQuestion(calloff=calloff, position=1, text=QUESTIONS[0][0], weight=D("35"), max_score=5),
            QualityQuestion(calloff=calloff, position=2, text=QUESTIONS[1][0], weight=D("25"), max_score=5),
        ]
    )
    _bid(
        calloff,
        orgs["Purbeck Care Partnership"],
        D("25.80"),
        dt.datetime(2026, 10, 28, 11, 5, tzinfo=LONDON),
        scores=[4, 4],
    )


def _bid(calloff, provider, rate, at, scores):
    bid = Bid.objects.create(
        calloff=calloff,
        provider=provider,
        commissioner_id=calloff.commissioner_id,
        hourly_rate=rate,
        status=BidStatus.SUBMITTED,
        submitted_at=at,
    )
    questions = list(calloff.questions.order_by("position"))
    BidAnswer.objects.bulk_create(
        BidAnswer(
            bid=bid,
            question=q,
            answer=f"{provider.name}: our answer to question {q.position} draws on our registered manager's "
            "recruitment plan, a local training academy and monthly outcome reviews with each person.",
            score=None if scores is None else scores[i],
            scored_at=None if scores is None else calloff.closes_at + dt.timedelta(days=3),
        )
        for i, q in enumerate(questions)
    )


@transaction.atomic
def load_reference(out):
    """Dorset's further open-framework lots and every lot's entry criteria `[003 App. 1]`."""
    dorset = Organisation.objects.filter(name=DORSET).first()
    if dorset is None:
        return  # the schemes step did not run
    _criteria(dorset)
    out.write(f"  Lot entry criteria: {LotEntryCriterion.objects.count()}")


@transaction.atomic
def load(out):
    names = [NORFOLK, DERBY, DORSET, NHS_DORSET, *{a[2] for a in ADMISSIONS}]
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=names)}
    if len(orgs) < len(set(names)):
        return  # the reference data step did not run
    _criteria(orgs[DORSET])
    _admissions(orgs)
    _norfolk_calloff(orgs)
    _dorset_calloff(orgs)
    out.write(
        f"  Lot memberships: {LotMembership.objects.count()}; call-offs: {CallOff.objects.count()} "
        "(NCC-HWC-L4-2029 open with a sealed bid; DOR-L1-2026-07 closed, scored, ready to award)"
    )
