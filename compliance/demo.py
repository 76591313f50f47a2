"""Demo compliance records: Derby's insurance requirements `[002 §4.13]`, each council's
compliance terms (Norfolk: every inspection within 24 hours `[004 §8.1.7]`; Derby: a rating below
Good within 2 working days and a yearly self-assessment `[002 §4.3, §5]`; Dorset: its safeguarding
contact `[003 §7.9]`), each demo provider's certificates and policies (with a few gaps to show),
Stour's Ofsted registration, Markeaton's CQC rating of Requires improvement on Friday 28 August
2026 (notice due Wednesday 2 September, after the bank holiday), sent without waiting for the
plan, Derby's timescale for the plan and the plan awaiting Derby's answer; a few dated duties
(a sub-contract awaiting Derby's consent, a self-assessment due, a named safeguarding lead);
and weekly capacity for Dorset's lots.

Deterministic (fixed dates; capacity for the four weeks before this one) and idempotent."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from portal.models import CqcRating, Organisation
from schemes.models import LotMembership, MembershipStatus

from . import services
from .models import (
    CapacitySnapshot,
    ComplianceTerms,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    OfstedRegistration,
    PolicyKind,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    monday_of,
)

LONDON = ZoneInfo("Europe/London")
EL, PL = InsuranceKind.EMPLOYERS_LIABILITY, InsuranceKind.PUBLIC_LIABILITY

# provider: [(kind, insurer, cover, starts, expires)]
CERTIFICATES = {
    "Wensum Valley Care": [
        (EL, "Norwich Mutual", "10000000", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
        (PL, "Norwich Mutual", "10000000", dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
    ],
    "Waveney Homecare": [
        (EL, "Anglia Insurance", "10000000", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (PL, "Anglia Insurance", "5000000", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
    "Derwent Extra Care Services": [
        (EL, "Peak Underwriting", "5000000", dt.date(2026, 6, 1), dt.date(2027, 5, 31)),
        (PL, "Peak Underwriting", "5000000", dt.date(2026, 6, 1), dt.date(2027, 5, 31)),
    ],
    "Markeaton Support": [
        (EL, "Trent Insurance", "10000000", dt.date(2025, 12, 1), dt.date(2026, 11, 30)),
        (PL, "Trent Insurance", "10000000", dt.date(2025, 12, 1), dt.date(2026, 11, 30)),
    ],
    "Purbeck Care Partnership": [
        (EL, "Wessex Mutual", "10000000", dt.date(2026, 2, 1), dt.date(2027, 1, 31)),
        (PL, "Wessex Mutual", "10000000", dt.date(2026, 2, 1), dt.date(2027, 1, 31)),
    ],
    "Stour Children's Support": [
        (EL, "Wessex Mutual", "10000000", dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (PL, "Wessex Mutual", "10000000", dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ],
}

# Every provider holds these policies, approved on the date and reviewed two years later,
# except where REVIEW_OVERRIDES says otherwise (to show an overdue review).
POLICIES = [
    (PolicyKind.SAFEGUARDING_ADULTS, "Safeguarding adults policy", dt.date(2025, 3, 1)),
    (PolicyKind.SAFER_RECRUITMENT, "Safer recruitment policy", dt.date(2025, 3, 1)),
    (PolicyKind.BUSINESS_CONTINUITY, "Business continuity plan", dt.date(2025, 6, 1)),
    (PolicyKind.DATA_PROTECTION, "Data protection and confidentiality policy", dt.date(2025, 5, 12)),
    (PolicyKind.COMPLAINTS, "Complaints, concerns and compliments policy", dt.date(2025, 1, 20)),
]
REVIEW_OVERRIDES = {
    ("Waveney Homecare", PolicyKind.BUSINESS_CONTINUITY): dt.date(2026, 9, 30),
    ("Stour Children's Support", PolicyKind.SAFEGUARDING_ADULTS): dt.date(2026, 12, 1),
}


def _certificates(orgs):
    for name, certificates in CERTIFICATES.items():
        provider = orgs[name]
        for kind, insurer, cover, starts, expires in certificates:
            if InsuranceCertificate.objects.filter(provider=provider, kind=kind, expires_on=expires).exists():
                continue
            services.insurance_certificate_add(
                actor=None,
                provider=provider,
                kind=kind,
                insurer=insurer,
                policy_number=f"{insurer[:3].upper()}-{provider.pk:03d}-{kind[:2].upper()}",
                cover_amount=D(cover),
                starts_on=starts,
                expires_on=expires,
            )


def _policies(orgs):
    for name in CERTIFICATES:
        provider = orgs[name]
        for kind, title, approved in POLICIES:
            if ProviderPolicy.objects.filter(provider=provider, kind=kind).exists():
                continue
            review = REVIEW_OVERRIDES.get((name, kind), approved.replace(year=approved.year + 2))
            services.policy_add(
                actor=None,
                provider=provider,
                kind=kind,
                title=title,
                version="3.1",
                approved_on=min(approved, review),
                review_due_on=review,
            )
    stour = orgs["Stour Children's Support"]
    if not ProviderPolicy.objects.filter(provider=stour, kind=PolicyKind.SAFEGUARDING_CHILDREN).exists():
        services.policy_add(
            actor=None,
            provider=stour,
            kind=PolicyKind.SAFEGUARDING_CHILDREN,
            title="Safeguarding children (Pan-Dorset procedures)",
            version="2.0",
            approved_on=dt.date(2025, 9, 1),
            review_due_on=dt.date(2027, 9, 1),
        )


def _ratings(orgs):
    stour = orgs["Stour Children's Support"]
    OfstedRegistration.objects.get_or_create(
        provider=stour,
        defaults={"urn": "SC480123", "rating": CqcRating.GOOD, "rating_date": dt.date(2025, 7, 3)},
    )
    markeaton = orgs["Markeaton Support"]
    rated_on = dt.date(2026, 8, 28)  # a Friday before the summer bank holiday
    if (
        rated_on > timezone.localdate()
        or RatingChange.objects.filter(provider=markeaton, rated_on=rated_on).exists()
    ):
        return
    change = services.rating_record(
        actor=None,
        provider=markeaton,
        rating=CqcRating.REQUIRES_IMPROVEMENT,
        rated_on=rated_on,
        note="Inspection of 14–16 July 2026: safe and well-led rated Requires improvement.",
    )
    for notice in RatingNotification.objects.filter(change=change):
        services.rating_notification_send(
            actor=None,
            notification=notice,
            summary="Safe and well-led rated Requires improvement; the report is attached to the CQC's letter.",
        )
        # Sent in time, on Tuesday 1 September (the demo is dated, not stamped with today).
        RatingNotification.objects.filter(pk=notice.pk).update(
            notified_at=dt.datetime(2026, 9, 1, 10, 15, tzinfo=LONDON)
        )
        if not notice.plan_required:
            continue
        notice.refresh_from_db()
        services.rating_notification_agree_timescale(
            actor=None, notification=notice, plan_due_on=dt.date(2026, 9, 18)
        )
        services.rating_notification_submit_plan(
            actor=None,
            notification=notice,
            summary="Medication audits weekly from 7 September; two senior carers recruited by 1 October; "
            "registered manager's quality review monthly, shared with the council.",
        )
        RatingNotification.objects.filter(pk=notice.pk).update(
            plan_sent_at=dt.datetime(2026, 9, 14, 16, 0, tzinfo=LONDON)
        )


def _capacity(orgs):
    this_week = monday_of(timezone.localdate())
    weeks = [this_week - dt.timedelta(weeks=n) for n in range(4, 0, -1)]
    areas = {
        "Purbeck Care Partnership": [("Purbeck and Swanage", "42"), ("Wareham", "18.5")],
        "Stour Children's Support": [("Blandford", "12"), ("Sturminster Newton", "6")],
        "Derwent Extra Care Services": [("Alvaston", "20")],
    }
    for name, rows in areas.items():
        provider = orgs[name]
        lots = [
            m.lot
            for m in LotMembership.objects.filter(
                provider=provider, status=MembershipStatus.ADMITTED
            ).select_related("lot__framework")
        ]
        for n, week in enumerate(weeks):
            for lot in lots:
                for area, hours in rows:
                    if CapacitySnapshot.objects.filter(
                        provider=provider, lot=lot, week_starting=week, area=area
                    ).exists():
                        continue
                    CapacitySnapshot(
                        provider=provider,
                        lot=lot,
                        week_starting=week,
                        area=area,
                        available_hours=D(hours) + n,
                    ).fill_commissioner().save()


# council: its compliance terms, as its contract says
TERMS = {
    "Norfolk County Council": {"inspection_report_hours": 24, "source": "[004 §8.1.7]"},
    "Derby City Council": {
        "rating_notice_working_days": 2,
        "self_assessment_months": 12,
        "source": "[002 §4.3, §5]",
    },
    "Dorset Council": {
        # The team the specification names; the demo's telephone number is invented.
        "safeguarding_contact": "Dorset Council Safeguarding Team (demo: 01305 000 000)",
        "source": "[003 §7.9]",
    },
}

# (provider, council, kind, summary, date, sent)
DUTIES = [
    (
        "Derwent Extra Care Services",
        "Derby City Council",
        "subcontracting",
        "Night-time waking cover at Cedar House by Trent Night Care Ltd",
        dt.date(2026, 11, 30),
        True,
    ),
    (
        "Markeaton Support",
        "Derby City Council",
        "self_assessment",
        "Annual self-assessment audit return",
        dt.date(2025, 11, 20),
        False,
    ),
    (
        "Markeaton Support",
        "Derby City Council",
        "safeguarding_lead",
        "Lead safeguarding officer: the registered manager (from 1 September 2026)",
        dt.date(2026, 9, 1),
        True,
    ),
    (
        "Purbeck Care Partnership",
        "Dorset Council",
        "significant_change",
        "New branch manager at the Wareham office",
        dt.date(2026, 10, 12),
        True,
    ),
]


def _terms(orgs_by_name):
    for name, values in TERMS.items():
        council = orgs_by_name.get(name) or Organisation.objects.filter(name=name).first()
        if council is not None and not ComplianceTerms.objects.filter(commissioner=council).exists():
            services.compliance_terms_set(actor=None, commissioner=council, **values)


def _duties(orgs):
    councils = {o.name: o for o in Organisation.objects.filter(name__in={d[1] for d in DUTIES})}
    for provider_name, council_name, kind, summary, day, sent in DUTIES:
        provider, council = orgs.get(provider_name), councils.get(council_name)
        if provider is None or council is None:
            continue
        if ProviderDuty.objects.filter(
            provider=provider, commissioner=council, kind=kind, occurred_on=day
        ).exists():
            continue
        duty = services.duty_record(
            actor=None, provider=provider, commissioner=council, kind=kind, summary=summary, occurred_on=day
        )
        if sent:
            services.duty_send(actor=None, duty=duty)


@transaction.atomic
def load(out):
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=[*CERTIFICATES, "Derby City Council"])}
    if len(orgs) < len(CERTIFICATES) + 1:
        return
    derby = orgs["Derby City Council"]
    for kind, cover in ((EL, "5000000"), (PL, "10000000")):
        if not InsuranceRequirement.objects.filter(commissioner=derby, kind=kind).exists():
            services.insurance_requirement_set(
                actor=None, commissioner=derby, kind=kind, minimum_cover=D(cover), source="[002 §4.13]"
            )
    _terms(orgs)
    _certificates(orgs)
    _policies(orgs)
    _ratings(orgs)
    _duties(orgs)
    _capacity(orgs)
    out.write(
        f"  Compliance: {InsuranceCertificate.objects.count()} insurance certificates, "
        f"{ProviderPolicy.objects.count()} policies, {CapacitySnapshot.objects.count()} capacity reports, "
        f"{ComplianceTerms.objects.count()} councils' compliance terms, {ProviderDuty.objects.count()} duties"
    )
