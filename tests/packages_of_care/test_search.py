"""Issue 16: the header search finds people by part of a name, a reference or a flat, and orders
and providers, only among what the searcher's organisation may see."""

import re

import pytest
from django.urls import reverse

from packages_of_care import services
from portal.roles import Role
from portal.search import search
from tests.factories import CommissionerFactory, user_for
from tests.packages_of_care.factories import ServiceUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(person, commissioner_org, other_provider, other_contract, brokerage_user, make_order):
    """Ada Lovelace (ours, with an order held by Test Care Ltd), Adam Lovell (ours, order held by
    another provider), and Ada Lovelock, another council's."""
    ada = person  # Ada Lovelace, NCC-0001, at Barley Court
    ada.flat = "14B"
    ada.save(update_fields=["flat"])
    adam = ServiceUserFactory(commissioner=commissioner_org, name="Adam Lovell", reference="NCC-0002")
    elsewhere = ServiceUserFactory(
        commissioner=CommissionerFactory(name="Elsewhere Council"), name="Ada Lovelock", reference="ELS-9"
    )
    ours = make_order(service_user=ada, reference="ISO-4471")
    theirs = make_order(service_user=adam, contract=other_contract, reference="ISO-4472")
    for order in (ours, theirs):
        services.order_issue(actor=brokerage_user, order=order)
    return ada, adam, elsewhere


def _titles(user, term):
    return {g.label: [h.title for h in g.hits] for g in search(user, term)}


def test_part_of_a_surname_finds_the_person_for_the_council(people, brokerage_user):
    # "ovel" is inside Lovelace and Lovell; the other council's Lovelock never appears.
    assert _titles(brokerage_user, "ovel") == {"People": ["Ada Lovelace", "Adam Lovell"]}
    # A slip of the keyboard still finds her (trigram word similarity), best match first.
    assert _titles(brokerage_user, "Lovelase")["People"][0] == "Ada Lovelace"
    assert _titles(brokerage_user, "14b") == {"People": ["Ada Lovelace"]}  # her flat
    assert _titles(brokerage_user, "NCC-0002") == {"People": ["Adam Lovell"]}
    assert _titles(brokerage_user, "ISO-447") == {"Orders": ["Order ISO-4471", "Order ISO-4472"]}
    assert _titles(brokerage_user, "Other Care") == {"Providers": ["Other Care Ltd"]}
    assert search(brokerage_user, "a") == []  # too short to mean anything


def test_a_provider_finds_only_the_people_and_orders_it_holds(people, provider_manager, other_manager):
    assert _titles(provider_manager, "Lovel") == {"People": ["Ada Lovelace"]}
    assert _titles(provider_manager, "ISO-447") == {"Orders": ["Order ISO-4471"]}
    assert _titles(other_manager, "Lovel") == {"People": ["Adam Lovell"]}
    # Providers see their own record, not their competitors'.
    assert _titles(provider_manager, "Care Ltd") == {"Providers": ["Test Care Ltd"]}


def test_another_councils_staff_never_see_our_people(people):
    ada, adam, elsewhere = people
    other = user_for(elsewhere.commissioner, Role.BROKERAGE, username="elsewhere")
    assert _titles(other, "Lovel") == {"People": ["Ada Lovelock"]}
    assert _titles(other, "NCC-000") == {}


def test_the_results_page_groups_links_and_announces(people, client, brokerage_user):
    ada, _adam, _elsewhere = people
    client.force_login(brokerage_user)
    response = client.get(reverse("portal:search"), {"q": "Lovel"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="govuk-body govuk-!-font-weight-bold" role="status" id="search-summary">' in html
    assert "2 results for ‘Lovel’." in " ".join(html.split())
    assert '<h2 class="govuk-heading-m" id="results-people">People' in html
    assert f'href="{ada.get_absolute_url()}">Ada Lovelace</a>' in html
    assert "NCC-0001 · born 17 May 1940 · Barley Court, flat 14B" in html
    assert "Lovelock" not in html
    # The header's search box: labelled, and no inline script on the page (CSP).
    assert '<label class="govuk-visually-hidden" for="header-search">' in html
    assert 'id="header-search" name="q" type="search" value="Lovel"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    nothing = client.get(reverse("portal:search"), {"q": "Zzyzx"}).content.decode()
    assert "Nothing you can see matches ‘Zzyzx’." in nothing


def test_search_runs_a_bounded_number_of_queries(
    people, client, brokerage_user, django_assert_max_num_queries
):
    client.force_login(brokerage_user)
    with django_assert_max_num_queries(20):
        client.get(reverse("portal:search"), {"q": "Lovel"})
