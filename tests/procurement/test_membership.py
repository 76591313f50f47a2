"""Joining lots: entry criteria from what the portal holds, declarations, decisions with reasons,
suspension and readmission — all audited, with alerts to the other side."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from compliance.models import ProviderPolicy
from portal.models import Alert, AuditEvent, CqcRating
from portal.roles import Role
from portal.tenancy import scoped
from procurement import services
from procurement.models import LotEntryCriterion
from schemes.models import Framework, Lot, LotMembership, MembershipStatus
from tests.factories import CommissionerFactory, LotFactory, ProviderFactory, user_for

from .factories import member, open_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def dorset():
    return CommissionerFactory(name="Dorset Council")


@pytest.fixture
def manager():
    return user_for(ProviderFactory(name="Purbeck Care"), Role.PROVIDER_MANAGER)


def test_an_application_that_fails_one_criterion_names_it_and_saves_nothing(dorset, manager):
    lot = open_lot(dorset)
    provider = manager.organisation
    provider.cqc_rating, provider.cqc_rating_date = CqcRating.REQUIRES_IMPROVEMENT, dt.date(2026, 3, 2)
    provider.save()
    with pytest.raises(ValidationError) as exc:
        services.membership_apply(actor=manager, provider=provider, lot=lot)
    assert exc.value.messages == [
        f"You do not meet the entry criteria for {lot}. CQC rated Good or Outstanding — your CQC rating is "
        "Requires improvement (2 Mar 2026)."
    ]
    assert not LotMembership.objects.exists()
    assert not Alert.objects.exists()


def test_a_good_provider_applies_and_the_council_is_alerted(dorset, manager):
    lot = open_lot(dorset)
    membership = services.membership_apply(
        actor=manager, provider=manager.organisation, lot=lot, statement="Office in Wareham"
    )
    assert membership.status == MembershipStatus.APPLIED
    assert membership.commissioner == dorset
    assert [r["basis"] for r in membership.criteria_results] == ["portal", "portal"]
    alert = Alert.objects.get(recipient=dorset, kind="membership-application")
    assert alert.title == f"Purbeck Care applied to join {lot}"
    assert alert.capability == "commission"
    event = AuditEvent.objects.get(action="applied")
    assert (event.commissioner, event.provider, event.actor) == (dorset, manager.organisation, manager)


def test_an_unregistered_provider_meets_the_second_route_by_policy_on_record_and_declaration(dorset, manager):
    lot = open_lot(dorset, criteria=())
    for route, requirement, policy, wording in (
        (1, "cqc_registered", "", ""),
        (1, "cqc_good_or_better", "", ""),
        (2, "policy", "safeguarding_adults", ""),
        (2, "declaration", "", "MCA training has been undertaken"),
    ):
        LotEntryCriterion.objects.create(
            lot=lot, route=route, requirement=requirement, policy_kind=policy, wording=wording
        )
    provider = manager.organisation
    provider.cqc_location_id, provider.cqc_rating = "", ""
    provider.save()
    ProviderPolicy.objects.create(
        provider=provider,
        kind="safeguarding_adults",
        title="Safeguarding",
        approved_on=dt.date(2025, 1, 1),
        review_due_on=dt.date(2099, 1, 1),
    )
    declaration = LotEntryCriterion.objects.get(lot=lot, requirement="declaration")
    with pytest.raises(ValidationError, match="MCA training has been undertaken — not declared"):
        services.membership_apply(actor=manager, provider=provider, lot=lot)
    membership = services.membership_apply(
        actor=manager, provider=provider, lot=lot, declarations=[declaration.pk]
    )
    assert membership.declarations == [declaration.pk]
    assert {r["basis"] for r in membership.criteria_results if r["route"] == 2} == {"portal", "declared"}


def test_a_closed_framework_takes_no_applications(dorset, manager):
    lot = LotFactory(framework__commissioner=dorset, framework__is_open=False)
    with pytest.raises(ValidationError, match="is not open to applications"):
        services.membership_apply(actor=manager, provider=manager.organisation, lot=lot)


def test_admit_reject_suspend_readmit_withdraw_with_reasons_and_alerts(dorset, manager):
    commissioner = user_for(dorset, Role.COMMISSIONER)
    lot = open_lot(dorset)
    provider = manager.organisation
    membership = services.membership_apply(actor=manager, provider=provider, lot=lot)

    with pytest.raises(ValidationError, match="Give the reasons for rejecting"):
        services.membership_reject(actor=commissioner, membership=membership, reason=" ")
    membership = services.membership_reject(
        actor=commissioner, membership=membership, reason="No office within 20 miles"
    )
    assert membership.status == MembershipStatus.REJECTED
    assert Alert.objects.get(recipient=provider, kind="membership-decision").title.endswith("was rejected")
    assert Alert.objects.get(recipient=dorset, kind="membership-application").resolved_at is not None

    # Re-applying reopens the same row; the council admits.
    membership = services.membership_apply(actor=manager, provider=provider, lot=lot)
    assert LotMembership.objects.count() == 1
    membership = services.membership_admit(
        actor=commissioner, membership=membership, reason="Office now in Wareham"
    )
    assert membership.status == MembershipStatus.ADMITTED and membership.decided_by == commissioner

    with pytest.raises(ValidationError, match="Give the quality concerns"):
        services.membership_suspend(actor=commissioner, membership=membership, reason="")
    membership = services.membership_suspend(
        actor=commissioner, membership=membership, reason="Missed visits"
    )
    assert membership.status == MembershipStatus.SUSPENDED and membership.suspension_reason == "Missed visits"
    membership = services.membership_readmit(
        actor=commissioner, membership=membership, reason="Action plan met"
    )
    assert membership.status == MembershipStatus.ADMITTED
    membership = services.membership_withdraw(actor=manager, membership=membership)
    assert membership.status == MembershipStatus.WITHDRAWN
    assert Alert.objects.filter(recipient=dorset, kind="membership-withdrawn").count() == 1

    actions = list(AuditEvent.objects.order_by("at", "id").values_list("action", flat=True))
    trail = [
        a for a in actions if a in ("applied", "rejected", "admitted", "suspended", "readmitted", "withdrew")
    ]
    assert trail == ["applied", "rejected", "applied", "admitted", "suspended", "readmitted", "withdrew"]


def test_admission_checks_the_criteria_again(dorset, manager):
    commissioner = user_for(dorset, Role.COMMISSIONER)
    lot = open_lot(dorset)
    membership = services.membership_apply(actor=manager, provider=manager.organisation, lot=lot)
    provider = manager.organisation
    provider.cqc_rating = CqcRating.INADEQUATE
    provider.save()
    with pytest.raises(ValidationError, match="The provider no longer meets the entry criteria"):
        services.membership_admit(actor=commissioner, membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPLIED


def test_only_an_application_can_be_decided_and_only_a_member_suspended(dorset, manager):
    commissioner = user_for(dorset, Role.COMMISSIONER)
    lot = open_lot(dorset)
    membership = member(lot, manager.organisation)
    with pytest.raises(ValidationError, match="Only an application can be admitted"):
        services.membership_admit(actor=commissioner, membership=membership)
    with pytest.raises(ValidationError, match="cannot be readmitted now"):
        services.membership_readmit(actor=commissioner, membership=membership)
    with pytest.raises(ValidationError, match="You are already on this lot"):
        services.membership_apply(actor=manager, provider=manager.organisation, lot=lot)


def test_membership_widens_what_each_side_sees(dorset, manager):
    """Commissioners see applicants' names; providers see the frameworks and lots they joined,
    even closed ones, and the schemes of call-offs they may bid for."""
    from tests.factories import SchemeFactory

    from .factories import calloff

    closed_lot = LotFactory(framework__commissioner=dorset, framework__is_open=False)
    scheme = SchemeFactory(lot=closed_lot)
    provider = manager.organisation
    commissioner = user_for(dorset, Role.COMMISSIONER)
    assert provider not in scoped(type(provider), commissioner)
    assert closed_lot not in scoped(Lot, manager)

    membership = member(closed_lot, provider, status=MembershipStatus.APPLIED)
    assert provider in scoped(type(provider), commissioner)
    assert dorset in scoped(type(provider), manager)
    assert closed_lot in scoped(Lot, manager) and closed_lot.framework in scoped(Framework, manager)
    assert scheme.lot.schemes.filter(pk__in=scoped(type(scheme), manager)).count() == 0

    membership.status = MembershipStatus.ADMITTED
    membership.save()
    c = calloff(closed_lot)
    assert scheme in scoped(type(scheme), manager)
    c.status = "draft"
    c.save()
    assert scheme not in scoped(type(scheme), manager)  # a draft is the council's alone
