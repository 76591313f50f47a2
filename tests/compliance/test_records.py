"""Insurance against each council's requirements, policies with review dates, the periodic
alerts for items expiring within 30 days and overdue, capacity snapshots, and the pages."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from compliance import selectors, services
from compliance.models import CapacitySnapshot
from portal.models import Alert
from portal.roles import Role
from schemes.models import MembershipStatus
from tests.factories import CommissionerFactory, ContractFactory, LotFactory, ProviderFactory, user_for
from tests.helpers import json_status
from tests.procurement.factories import member
from workforce.catalogue import ensure_catalogue
from workforce.models import StaffMember

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)
NOON = dt.datetime(2026, 6, 1, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def w(db):
    derby = CommissionerFactory(name="Derby City Council")
    provider = ProviderFactory(name="Derwent Extra Care Services")
    contract = ContractFactory(commissioner=derby, provider=provider)
    for kind, cover in (("employers_liability", "5000000"), ("public_liability", "10000000")):
        services.insurance_requirement_set(
            actor=None, commissioner=derby, kind=kind, minimum_cover=D(cover), source="[002 §4.13]"
        )
    return {
        "derby": derby,
        "derby_user": user_for(derby, Role.COMMISSIONER),
        "provider": provider,
        "manager": user_for(provider, Role.PROVIDER_MANAGER),
        "contract": contract,
    }


def certificate(w, kind, cover, expires, starts=dt.date(2025, 7, 1)):
    return services.insurance_certificate_add(
        actor=w["manager"],
        provider=w["provider"],
        kind=kind,
        insurer="Peak",
        cover_amount=D(cover),
        starts_on=starts,
        expires_on=expires,
    )


@time_machine.travel(NOON, tick=False)
def test_derby_checks_insurance_against_its_requirements(w):
    certificate(w, "employers_liability", "5000000", dt.date(2026, 6, 20))
    certificate(w, "public_liability", "5000000", dt.date(2027, 5, 31))
    gaps = selectors.compliance_gaps(w["derby_user"], [w["provider"]], TODAY)[w["provider"].pk]
    assert [(g.text, g.overdue) for g in gaps.gaps] == [
        ("Public liability cover of £5,000,000 is below the £10,000,000 required", True),
        ("Employer's liability insurance expires on 20 Jun 2026", False),
    ]
    # The provider sees the same, naming the council whose requirement it misses.
    own = selectors.compliance_gaps(w["manager"], [w["provider"]], TODAY)[w["provider"].pk]
    assert (
        own.gaps[0].text
        == "Public liability cover of £5,000,000 is below the £10,000,000 required (Derby City Council)"
    )


@time_machine.travel(NOON, tick=False)
def test_the_periodic_check_raises_alerts_once_and_resolves_them_when_renewed(w):
    ensure_catalogue()
    certificate(w, "employers_liability", "5000000", dt.date(2026, 6, 20))  # within 30 days
    certificate(w, "public_liability", "10000000", dt.date(2026, 5, 31))  # expired yesterday
    for kind, title, approved_on, review_due_on in (
        ("business_continuity", "BCP", dt.date(2024, 5, 1), dt.date(2026, 5, 1)),
        ("complaints", "Complaints", dt.date(2024, 6, 10), dt.date(2026, 6, 10)),
    ):
        services.policy_add(
            actor=w["manager"],
            provider=w["provider"],
            kind=kind,
            title=title,
            approved_on=approved_on,
            review_due_on=review_due_on,
        )
    StaffMember.objects.create(provider=w["provider"], reference="DEC-001", started_on=dt.date(2025, 1, 6))

    assert services.compliance_alerts_raise(today=TODAY) == 7
    titles = {(a.recipient.name, a.kind): a.title for a in Alert.objects.open()}
    assert titles == {
        (
            "Derwent Extra Care Services",
            "insurance-expiring",
        ): "Your employer's liability insurance expires on 20 Jun 2026",
        (
            "Derwent Extra Care Services",
            "insurance-expired",
        ): "Your public liability insurance expired on 31 May 2026: add the new certificate",
        (
            "Derby City Council",
            "provider-insurance-gap",
        ): "Derwent Extra Care Services's public liability insurance expired on 31 May 2026",
        (
            "Derwent Extra Care Services",
            "policy-review-overdue",
        ): "Your business continuity policy was due for review on 1 May 2026",
        (
            "Derwent Extra Care Services",
            "policy-review-due",
        ): "Your complaints policy is due for review by 10 Jun 2026",
        # No council here sets requirements, so the catalogue's default applies: the 19 mandatory
        # courses of [002 §6.1] never done (no deadline), and MCA/DoLS (6 months) and Dementia
        # Friends (9 months) overdue for someone who started on 6 Jan 2025.
        ("Derwent Extra Care Services", "training-overdue"): "Training: 2 items overdue and 19 not done",
        # DEC-001 has no DBS check, no references and no right to work check recorded: 3 items.
        (
            "Derwent Extra Care Services",
            "vetting-gaps",
        ): "Vetting: 3 items missing for 1 member of staff (DBS, references, right to work)",
    }
    assert services.compliance_alerts_raise(today=TODAY) == 0  # idempotent

    certificate(w, "public_liability", "10000000", dt.date(2027, 5, 31), starts=dt.date(2026, 6, 1))
    assert not Alert.objects.open().filter(kind="insurance-expired").exists()
    services.compliance_alerts_raise(today=TODAY)
    assert not Alert.objects.open().filter(kind="provider-insurance-gap").exists()
    assert Alert.objects.open().filter(kind="insurance-expiring").count() == 1


@time_machine.travel(NOON, tick=False)
def test_capacity_reports_replace_the_week_and_councils_see_who_has_not_reported(w):
    lot = w["contract"].lot
    other = ProviderFactory(name="Other Care")
    member(lot, other, status=MembershipStatus.ADMITTED)

    def report(week_starting, area, hours):
        return services.capacity_report(
            actor=w["manager"],
            provider=w["provider"],
            lot=lot,
            week_starting=week_starting,
            area=area,
            available_hours=D(hours),
        )

    snapshot, created = report(dt.date(2026, 6, 3), "Alvaston", "20")
    assert created and snapshot.week_starting == dt.date(2026, 6, 1) and snapshot.commissioner == w["derby"]
    again, created = report(dt.date(2026, 6, 1), "alvaston", "20")
    assert again.pk == snapshot.pk and not created
    report(dt.date(2026, 6, 1), "Alvaston", "24.5")
    assert CapacitySnapshot.objects.get().available_hours == D("24.5")
    with pytest.raises(ValidationError, match="only for lots you are on"):
        services.capacity_report(
            actor=w["manager"],
            provider=w["provider"],
            lot=LotFactory(),
            week_starting=TODAY,
            area="X",
            available_hours=D("1"),
        )
    rows = selectors.capacity_overview(w["derby_user"], [dt.date(2026, 6, 1), dt.date(2026, 5, 25)])
    assert [(r.week, r.hours, r.reported, r.missing) for r in rows] == [
        (dt.date(2026, 6, 1), D("24.5"), ["Derwent Extra Care Services"], ["Other Care"]),
        (dt.date(2026, 5, 25), D("0"), [], ["Derwent Extra Care Services", "Other Care"]),
    ]


@time_machine.travel(NOON, tick=False)
def test_pages_show_the_record_and_the_council_list_keeps_a_fixed_number_of_queries(
    w, client, django_assert_max_num_queries
):
    certificate(w, "public_liability", "5000000", dt.date(2027, 5, 31))
    for i in range(10):
        ContractFactory(commissioner=w["derby"], provider=ProviderFactory(name=f"Provider {i}"))
    client.force_login(w["derby_user"])
    with django_assert_max_num_queries(40):
        page = client.get(reverse("compliance:provider-list")).content.decode()
    assert "below the £10,000,000 required" in page
    with django_assert_max_num_queries(40):
        assert client.get(reverse("portal:dashboard")).status_code == 200
    page = client.get(reverse("compliance:provider-detail", args=[w["provider"].pk])).content.decode()
    assert "Public liability" in page and "£5,000,000" in page
    stranger = user_for(CommissionerFactory(name="Elsewhere"), Role.COMMISSIONER)
    client.force_login(stranger)
    assert client.get(reverse("compliance:provider-detail", args=[w["provider"].pk])).status_code == 404


@time_machine.travel(NOON, tick=False)
def test_api_capacity_is_created_then_replaced_and_requirements_are_set_by_the_council(w, api_client):
    api_client.force_authenticate(w["manager"])
    body = {
        "lot": w["contract"].lot_id,
        "week_starting": "2026-06-01",
        "area": "Alvaston",
        "available_hours": "12",
    }
    assert (
        api_client.post(reverse("compliance-api:capacity-snapshot-list"), body, format="json").status_code
        == 201
    )
    assert (
        api_client.post(reverse("compliance-api:capacity-snapshot-list"), body, format="json").status_code
        == 200
    )
    assert (
        json_status(
            api_client,
            reverse("compliance-api:insurance-requirement-list"),
            {"insurance_kind": "public_liability", "minimum_cover": "1"},
        )
        == 403
    )
    api_client.force_authenticate(w["derby_user"])
    response = api_client.post(
        reverse("compliance-api:insurance-requirement-list"),
        {"insurance_kind": "public_liability", "minimum_cover": "12000000"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["minimum_cover"] == "12000000.00"
    compliance = api_client.get(
        reverse("compliance-api:provider-compliance-detail", args=[w["provider"].pk])
    ).json()
    assert compliance["gaps"] == [
        {"text": "No employer's liability insurance certificate", "overdue": True},
        {"text": "No public liability insurance certificate", "overdue": True},
    ]


@time_machine.travel(NOON, tick=False)
def test_api_lists_keep_a_fixed_number_of_queries(w, api_client, django_assert_max_num_queries):
    for i in range(8):
        provider = ProviderFactory(name=f"Provider {i}")
        ContractFactory(commissioner=w["derby"], provider=provider)
        services.insurance_certificate_add(
            actor=None,
            provider=provider,
            kind="public_liability",
            insurer="I",
            cover_amount=D("1"),
            starts_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2027, 1, 1),
        )
        services.policy_add(
            actor=None,
            provider=provider,
            kind="complaints",
            title="C",
            approved_on=dt.date(2026, 1, 1),
            review_due_on=dt.date(2027, 1, 1),
        )
    api_client.force_authenticate(w["derby_user"])
    for name in (
        "provider-compliance-list",
        "insurance-certificate-list",
        "insurance-requirement-list",
        "policy-list",
        "rating-change-list",
        "rating-notification-list",
        "capacity-snapshot-list",
    ):
        with django_assert_max_num_queries(20):
            response = api_client.get(reverse(f"compliance-api:{name}"))
        assert response.status_code == 200, name
    assert len(api_client.get(reverse("compliance-api:provider-compliance-list")).json()["results"]) == 9
