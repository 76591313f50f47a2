"""Shared set-up for the workforce tests: a provider caring in one scheme of a council's."""

import pytest

from portal.roles import Role
from tests.factories import ContractFactory, ProviderFactory, SchemeFactory, user_for
from workforce.catalogue import ensure_catalogue


@pytest.fixture
def w(db):
    ensure_catalogue()
    provider = ProviderFactory(name="Wensum Valley Care")
    scheme = SchemeFactory(name="Barley Court")
    council = scheme.lot.framework.commissioner
    ContractFactory(provider=provider, lot=scheme.lot, commissioner=council, schemes=[scheme])
    return {
        "provider": provider,
        "scheme": scheme,
        "user": user_for(provider, Role.PROVIDER_STAFF),
        "council": user_for(council, Role.COMMISSIONER),
    }
