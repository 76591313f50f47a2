"""Part 1 of Dorset's children's lot: referrals from the Children Who Are Disabled team for children
"aged between 8 years and up to the young person's 18th birthday" `[001 P1 §4.1-4.2]`. Worked
examples with a child born on 10 March 2015: 8th birthday 10 March 2023, 18th 10 March 2033."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from packages_of_care import services
from packages_of_care.rules import age_on, referral_age_problem
from tests.factories import ContractFactory, LotFactory
from tests.packages_of_care.factories import ServiceUserFactory

LONDON = ZoneInfo("Europe/London")
BORN = dt.date(2015, 3, 10)
CWAD = "Children Who Are Disabled team (CWAD)"


def problem(on):
    return referral_age_problem(date_of_birth=BORN, referred_on=on, min_age=8, age_limit=18)


def test_age_in_whole_years():
    assert age_on(BORN, dt.date(2023, 3, 9)) == 7  # 7 years 364 days
    assert age_on(BORN, dt.date(2023, 3, 10)) == 8
    assert age_on(BORN, dt.date(2033, 3, 9)) == 17
    assert age_on(BORN, dt.date(2033, 3, 10)) == 18


def test_seven_years_364_days_is_refused_and_the_8th_birthday_accepted():
    refused = problem(dt.date(2023, 3, 9))
    assert refused is not None and "is 7" in refused and "aged 8 or over" in refused
    assert problem(dt.date(2023, 3, 10)) is None


def test_the_day_before_the_18th_birthday_is_accepted_and_the_birthday_itself_refused():
    # "up to the young person's 18th birthday": the birthday is the first day not covered.
    assert problem(dt.date(2033, 3, 9)) is None
    refused = problem(dt.date(2033, 3, 10))
    assert refused is not None and "18th birthday" in refused


def test_a_lot_without_an_age_range_takes_anyone_and_one_with_it_needs_a_date_of_birth():
    assert (
        referral_age_problem(
            date_of_birth=None, referred_on=dt.date(2026, 1, 5), min_age=None, age_limit=None
        )
        is None
    )
    assert "date of birth" in referral_age_problem(
        date_of_birth=None, referred_on=dt.date(2026, 1, 5), min_age=8, age_limit=18
    )


@pytest.fixture
def childrens_contract(commissioner_org, provider_org):
    lot = LotFactory(
        framework__commissioner=commissioner_org,
        number="27",
        referral_min_age=8,
        referral_age_limit=18,
        referring_team=CWAD,
    )
    return ContractFactory(
        commissioner=commissioner_org, provider=provider_org, lot=lot, start_date=dt.date(2022, 10, 1)
    )


def _refer(contract, child, day, **kwargs):
    return services.referral_create(
        actor=None,
        service_user=child,
        contract=contract,
        received_at=dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON),
        **kwargs,
    )


@pytest.mark.django_db
def test_referral_refused_before_the_8th_birthday_names_the_person_field(
    childrens_contract, commissioner_org
):
    child = ServiceUserFactory(commissioner=commissioner_org, date_of_birth=dt.date(2017, 6, 1))
    with pytest.raises(ValidationError) as refused:
        _refer(childrens_contract, child, dt.date(2025, 5, 31))  # 7 years 364 days
    assert list(refused.value.message_dict) == ["service_user"]
    assert "aged 8 or over" in refused.value.message_dict["service_user"][0]


@pytest.mark.django_db
def test_referral_on_the_8th_birthday_records_the_referring_team(childrens_contract, commissioner_org):
    child = ServiceUserFactory(commissioner=commissioner_org, date_of_birth=dt.date(2017, 6, 1))
    referral = _refer(childrens_contract, child, dt.date(2025, 6, 1))
    assert referral.referring_team == CWAD
    other = ServiceUserFactory(commissioner=commissioner_org, date_of_birth=dt.date(2016, 1, 1))
    assert _refer(
        childrens_contract, other, dt.date(2025, 6, 2), referring_team="Out of hours"
    ).referring_team == ("Out of hours")


@pytest.mark.django_db
def test_referral_on_the_18th_birthday_refused(childrens_contract, commissioner_org):
    young_person = ServiceUserFactory(commissioner=commissioner_org, date_of_birth=dt.date(2008, 2, 20))
    with pytest.raises(ValidationError) as refused:
        _refer(childrens_contract, young_person, dt.date(2026, 2, 20))
    assert "18th birthday" in refused.value.message_dict["service_user"][0]


@pytest.mark.django_db
def test_api_refusal_names_the_field(childrens_contract, commissioner_org, brokerage_user, api_client):
    child = ServiceUserFactory(commissioner=commissioner_org, date_of_birth=dt.date(2019, 1, 1))
    api_client.force_login(brokerage_user)
    response = api_client.post(
        "/api/v1/referrals/",
        {"service_user": child.pk, "contract": childrens_contract.pk, "received_at": "2025-03-03T09:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "service_user" in str(response.json())
