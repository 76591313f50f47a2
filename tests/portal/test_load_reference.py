"""`load_reference`: the specifications' reference data with no demo providers, contracts or
people; idempotent; and `load_demo` builds on it."""

import io

import pytest
from django.core.management import call_command

from kpis.models import KpiDefinition
from portal.models import ApiToken, Organisation, User
from portal.roles import OrganisationKind
from schemes.models import Contract, Framework, Lot, Scheme

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Organisation, Framework, Lot, Scheme, KpiDefinition, Contract, User)]


def test_reference_data_alone_and_twice_the_same():
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    # Norfolk 15 schemes + Derby 5 (domain.md); three councils, NHS Dorset (its own framework
    # record for its "CCG only" lot [003 App. 1]) and the operator; no one else.
    assert Scheme.objects.count() == 20
    assert Framework.objects.count() == 4
    assert sorted(Organisation.objects.values_list("kind", flat=True)) == sorted(
        [OrganisationKind.COMMISSIONER] * 4 + [OrganisationKind.OPERATOR]
    )
    assert (Contract.objects.count(), User.objects.count(), ApiToken.objects.count()) == (0, 0, 0)
    assert KpiDefinition.objects.count() > 0
    assert out.getvalue().splitlines()[-1] == "Reference data loaded."
    first = counts()
    call_command("load_reference", stdout=io.StringIO())
    assert counts() == first
