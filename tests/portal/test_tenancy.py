"""visible_to is the one place that decides who sees what."""

import pytest

from portal.models import AuditEvent, Organisation
from portal.roles import Role
from portal.tenancy import scoped
from schemes.models import Contract, ContractRate, Framework, Lot, Scheme
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    OperatorFactory,
    ProviderFactory,
    SchemeFactory,
    user_for,
)


@pytest.fixture
def two_councils(db):
    norfolk, derby = CommissionerFactory(name="Norfolk"), CommissionerFactory(name="Derby")
    p1, p2, p3 = ProviderFactory(name="P1"), ProviderFactory(name="P2"), ProviderFactory(name="P3")
    s1 = SchemeFactory(lot__framework__commissioner=norfolk, name="Norfolk scheme 1")
    s3 = SchemeFactory(lot__framework__commissioner=norfolk, name="Norfolk scheme 3")
    s2 = SchemeFactory(lot__framework__commissioner=derby, name="Derby scheme")
    c1 = ContractFactory(commissioner=norfolk, provider=p1, lot=s1.lot, schemes=[s1])
    c3 = ContractFactory(commissioner=norfolk, provider=p3, lot=s3.lot, schemes=[s3])
    c2 = ContractFactory(commissioner=derby, provider=p2, lot=s2.lot, schemes=[s2])
    return locals()


def test_commissioner_sees_own_frameworks_lots_schemes_and_contracts(two_councils):
    w = two_councils
    user = user_for(w["norfolk"], Role.COMMISSIONER)
    assert set(scoped(Scheme, user)) == {w["s1"], w["s3"]}
    assert set(scoped(Contract, user)) == {w["c1"], w["c3"]}
    assert set(scoped(Framework, user)) == {w["s1"].lot.framework, w["s3"].lot.framework}
    assert set(scoped(Organisation, user)) == {w["norfolk"], w["p1"], w["p3"]}


def test_provider_sees_only_what_it_holds_a_contract_for(two_councils):
    w = two_councils
    user = user_for(w["p1"], Role.PROVIDER_STAFF)
    assert list(scoped(Scheme, user)) == [w["s1"]]
    assert list(scoped(Contract, user)) == [w["c1"]]
    assert list(scoped(Lot, user)) == [w["s1"].lot]
    assert set(scoped(Organisation, user)) == {w["p1"], w["norfolk"]}
    assert list(scoped(ContractRate, user)) == list(ContractRate.objects.filter(contract=w["c1"]))


def test_open_frameworks_are_visible_to_every_provider(two_councils):
    w = two_councils
    framework = w["s2"].lot.framework
    framework.is_open = True
    framework.save()
    user = user_for(w["p1"], Role.PROVIDER_MANAGER)
    assert framework in scoped(Framework, user)
    assert w["s2"].lot in scoped(Lot, user)
    assert w["s2"] not in scoped(Scheme, user)  # schemes only through a contract


def test_operator_sees_reference_data_and_is_staff(two_councils):
    admin = user_for(OperatorFactory(), Role.SITE_ADMIN)
    assert scoped(Contract, admin).count() == 3
    assert scoped(Scheme, admin).count() == 3
    assert admin.is_staff and admin.is_superuser


def test_anonymous_and_inactive_users_see_nothing(two_councils):
    from django.contrib.auth.models import AnonymousUser

    w = two_councils
    assert scoped(Scheme, AnonymousUser()).count() == 0
    user = user_for(w["norfolk"], Role.COMMISSIONER, is_active=False)
    assert scoped(Scheme, user).count() == 0


def test_audit_trail_is_visible_to_the_parties_only(two_councils):
    from portal import audit

    w = two_councils
    audit.record(actor=None, obj=w["c1"], action="noted")
    assert scoped(AuditEvent, user_for(w["p1"], Role.PROVIDER_STAFF)).count() == 1
    assert scoped(AuditEvent, user_for(w["norfolk"], Role.COMMISSIONER)).count() == 1
    assert scoped(AuditEvent, user_for(w["p3"], Role.PROVIDER_STAFF)).count() == 0
    assert scoped(AuditEvent, user_for(w["derby"], Role.COMMISSIONER)).count() == 0


def test_a_model_without_tenancy_cannot_be_scoped(db):
    from django.contrib.sessions.models import Session

    with pytest.raises(TypeError):
        scoped(Session, None)


def test_views_may_not_override_get_queryset():
    from portal.api.viewsets import ScopedReadOnlyViewSet
    from portal.views import ScopedListView

    with pytest.raises(TypeError):
        type("Leaky", (ScopedReadOnlyViewSet,), {"get_queryset": lambda self: Scheme.objects.all()})
    with pytest.raises(TypeError):
        type("LeakyPage", (ScopedListView,), {"get_queryset": lambda self: Scheme.objects.all()})


def test_a_role_must_suit_its_organisation(db):
    from django.core.exceptions import ValidationError

    from portal.models import User

    user = User(username="x", organisation=ProviderFactory(), role=Role.BROKERAGE)
    with pytest.raises(ValidationError, match="Brokerage officer cannot belong to a provider"):
        user.full_clean()
