"""Compliance records of the canary world: for each pair, its provider's rating change and
notice to the council, Ofsted registration, insurance certificate, policy and capacity report;
each council's insurance requirement (reference data). Stored documents are a fixed file under
MEDIA_ROOT, written once and reused, with no canary in it."""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from compliance.models import (
    CapacitySnapshot,
    ComplianceTerms,
    InsuranceCertificate,
    InsuranceRequirement,
    OfstedRegistration,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    monday_of,
)
from tests.matrix.world import PAIR_PARTIES, pii, ref

ORDER = 25
DOCUMENT = "matrix/compliance-document.txt"


def _document() -> str:
    if not default_storage.exists(DOCUMENT):
        default_storage.save(DOCUMENT, ContentFile(b"Permission matrix document.\n"))
    return DOCUMENT


def build(world):
    document = _document()
    for key in ("C1", "C2"):
        world.put(
            "insurance_requirement",
            key,
            InsuranceRequirement.objects.create(
                commissioner=world.orgs[key],
                kind="public_liability",
                minimum_cover=Decimal("10000000"),
                source=f"Contract {ref(key)}",
            ),
        )
        world.put(
            "compliance_terms",
            key,
            ComplianceTerms.objects.create(
                commissioner=world.orgs[key], rating_notice_working_days=2, source=f"Contract {ref(key)}"
            ),
        )
    for pair, (c_key, p_key) in PAIR_PARTIES.items():
        provider, commissioner = world.orgs[p_key], world.orgs[c_key]
        change = RatingChange.objects.create(
            provider=provider,
            location_id=provider.cqc_location_id,
            previous_rating="good",
            rating="requires_improvement",
            rated_on=dt.date(2026, 8, 28),
            notify_by=dt.date(2026, 9, 2),
            note=f"Rating note {pii(pair)}",
        )
        world.put("rating_change", pair, change)
        notice = RatingNotification.objects.create(
            change=change,
            commissioner=commissioner,
            provider=provider,
            due_on=dt.date(2026, 9, 2),
            action_plan_summary=f"Plan {pii(pair)}",
        )
        notice.action_plan.name = document
        notice.report.name = document
        notice.plan_required = True
        notice.save()
        world.put("rating_notification", pair, notice)
        OfstedRegistration.objects.create(provider=provider, urn=pii(pair), rating="good")
        certificate = InsuranceCertificate.objects.create(
            provider=provider,
            kind="public_liability",
            insurer=f"Insurer {pii(pair)}",
            cover_amount=Decimal("10000000"),
            starts_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2030, 12, 31),
        )
        certificate.document.name = document
        certificate.save()
        world.put("insurance_certificate", pair, certificate)
        policy = ProviderPolicy.objects.create(
            provider=provider,
            kind="safeguarding_adults",
            title=f"Policy {pii(pair)}",
            approved_on=dt.date(2026, 1, 1),
            review_due_on=dt.date(2030, 1, 1),
        )
        policy.document.name = document
        policy.save()
        world.put("policy", pair, policy)
        capacity = CapacitySnapshot(
            provider=provider,
            lot=world.get("lot", pair),
            week_starting=monday_of(dt.date(2026, 11, 16)),
            area=f"Area {pii(pair)}",
            available_hours=Decimal("40"),
        ).fill_commissioner()
        capacity.save()
        world.put("capacity", pair, capacity)
        world.put(
            "duty",
            pair,
            ProviderDuty.objects.create(
                provider=provider,
                commissioner=commissioner,
                kind="subcontracting",
                summary=f"Sub-contract {pii(pair)}",
                occurred_on=dt.date(2026, 12, 1),
                due_on=dt.date(2026, 12, 1),
            ),
        )
