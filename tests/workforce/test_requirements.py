"""Each council's training requirements and workforce standards, as data: worked examples.

Safeguarding last done 13 months ago is overdue for a Dorset provider (yearly [003 §12.11]) and
in date for a Derby provider (every 2 years [002 §6.1]); a provider working with both is held to
the stricter; a council judging a provider applies its own alone."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import AuditEvent
from portal.roles import Capability, Role
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    LotFactory,
    ProviderFactory,
    api_token_for,
    user_for,
)
from workforce import selectors, services
from workforce.catalogue import REQUIREMENT_SETS, apply_requirement_set, ensure_catalogue
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse, TrainingRequirement
from workforce.rules import TrainingState

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def councils(db):
    ensure_catalogue()
    derby = CommissionerFactory(name="Derby City Council")
    dorset = CommissionerFactory(name="Dorset Council")
    apply_requirement_set(derby, "derby-002")
    apply_requirement_set(dorset, "dorset-003")
    return derby, dorset


def provider_of(*commissioners, name):
    provider = ProviderFactory(name=name)
    for commissioner in commissioners:
        ContractFactory(provider=provider, commissioner=commissioner)
    return provider


def safeguarding_state(provider, started_on, done_on, judge=None):
    staff = StaffMember.objects.create(provider=provider, reference="S-1", started_on=started_on)
    course = TrainingCourse.objects.get(code="safeguarding-adults")
    if done_on is not None:
        TrainingCompletion.objects.create(staff=staff, course=course, completed_on=done_on)
    matrix = selectors.training_matrix(StaffMember.objects.filter(pk=staff.pk), TODAY, judge=judge)
    return matrix.rows[0].cells[matrix.courses.index(course)]


def test_derby_has_its_19_mandatory_courses_and_its_own_extras_as_data(councils):
    derby, _dorset = councils
    codes = set(TrainingRequirement.objects.filter(commissioner=derby).values_list("course__code", flat=True))
    # 19 mandatory courses, the Care Certificate, supervision and the development plan: 22 [002 §6.1].
    assert len(codes) == 22 and len(REQUIREMENT_SETS["derby-002"][1]) == 22
    assert {"communication", "personal-care", "risk-assessment", "long-term-conditions"} <= codes
    assert {"dementia-delirium", "falls", "care-certificate", "supervision", "development-plan"} <= codes
    supervision = TrainingRequirement.objects.get(commissioner=derby, course__code="supervision")
    plan = TrainingRequirement.objects.get(commissioner=derby, course__code="development-plan")
    assert (supervision.refresh_months, plan.refresh_months) == (1, 12)
    # Applying the set again adds nothing.
    assert apply_requirement_set(derby, "derby-002") == 0


def test_safeguarding_13_months_ago_is_overdue_in_dorset_and_in_date_in_derby(councils):
    derby, dorset = councils
    done = dt.date(2025, 5, 1)  # 13 months before 1 Jun 2026
    dorset_cell = safeguarding_state(provider_of(dorset, name="Purbeck"), dt.date(2020, 1, 6), done)
    # Dorset: yearly -> due again 1 May 2026, before 1 Jun 2026: overdue.
    assert (dorset_cell.state, dorset_cell.due_on) == (TrainingState.OVERDUE, dt.date(2026, 5, 1))
    StaffMember.objects.all().delete()
    derby_cell = safeguarding_state(provider_of(derby, name="Derwent"), dt.date(2020, 1, 6), done)
    # Derby: every 2 years -> due again 1 May 2027: in date.
    assert (derby_cell.state, derby_cell.due_on) == (TrainingState.CURRENT, dt.date(2027, 5, 1))


def test_dorset_new_starters_do_safeguarding_within_3_months(councils):
    derby, dorset = councils
    started = dt.date(2026, 2, 15)  # + 3 months = 15 May 2026, before 1 Jun 2026
    cell = safeguarding_state(provider_of(dorset, name="Purbeck"), started, None)
    assert (cell.state, cell.due_on) == (TrainingState.OVERDUE, dt.date(2026, 5, 15))
    StaffMember.objects.all().delete()
    # Derby sets no deadline after starting for safeguarding: not done, without a date.
    cell = safeguarding_state(provider_of(derby, name="Derwent"), started, None)
    assert (cell.state, cell.due_on) == (TrainingState.NOT_DONE, None)


def test_a_provider_of_both_is_held_to_the_stricter_and_each_council_judges_by_its_own(councils):
    derby, dorset = councils
    both = provider_of(derby, dorset, name="Both Care")
    done = dt.date(2025, 5, 1)
    assert safeguarding_state(both, dt.date(2020, 1, 6), done).state == TrainingState.OVERDUE
    StaffMember.objects.all().delete()
    assert safeguarding_state(both, dt.date(2020, 1, 6), done, judge=derby).state == TrainingState.CURRENT
    StaffMember.objects.all().delete()
    assert safeguarding_state(both, dt.date(2020, 1, 6), done, judge=dorset).state == TrainingState.OVERDUE


def test_a_lot_requirement_reaches_only_the_providers_on_that_lot(councils):
    _derby, dorset = councils
    children = LotFactory(framework__commissioner=dorset, name="Children's care at home")
    other = LotFactory(framework__commissioner=dorset, name="Extra care")
    course = TrainingCourse.objects.get(code="safeguarding-children")
    services.training_requirement_set(
        actor=None, commissioner=dorset, lot=children, course=course, refresh_months=12, source="[003 App. 1]"
    )
    on_lot, off_lot = ProviderFactory(name="On"), ProviderFactory(name="Off")
    ContractFactory(provider=on_lot, commissioner=dorset, lot=children)
    ContractFactory(provider=off_lot, commissioner=dorset, lot=other)
    book = selectors.course_rules_for([on_lot.pk, off_lot.pk])
    assert course.pk in book.rules[on_lot.pk] and course.pk not in book.rules[off_lot.pk]


def test_a_council_sets_its_requirements_through_the_api_and_a_provider_cannot(councils, api_client):
    _derby, dorset = councils
    provider = provider_of(dorset, name="Purbeck")
    _user, key = api_token_for(dorset, scopes=[Capability.COMMISSION])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = reverse("workforce-api:training-requirement-list")
    body = {"course": "first-aid", "refresh_months": 36, "source": "Dorset contract"}
    response = api_client.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["commissioner"] == dorset.pk
    # The same course again replaces it, and the audit trail says what changed.
    response = api_client.post(url, {**body, "refresh_months": 24}, format="json")
    assert response.status_code == 201 and response.json()["refresh_months"] == 24
    requirement = TrainingRequirement.objects.get(commissioner=dorset, course__code="first-aid")
    assert requirement.refresh_months == 24
    assert AuditEvent.objects.filter(object_id=str(requirement.pk), changes__refresh_months=[36, 24]).exists()
    standard = api_client.post(
        reverse("workforce-api:workforce-standard-list"),
        {"asc_wds_target_percent": "90.00", "references_required": 2},
        format="json",
    )
    assert standard.status_code == 201 and standard.json()["asc_wds_target_percent"] == "90.00"
    # The provider reads its council's requirements but cannot set any.
    _puser, pkey = api_token_for(provider, scopes=[Capability.PROVIDER_MANAGE])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {pkey}")
    listed = api_client.get(url).json()
    assert {r["course"] for r in listed} >= {"safeguarding-adults", "first-aid"}
    assert api_client.post(url, body, format="json").status_code == 403


def test_a_council_cannot_set_a_requirement_for_another_councils_lot(councils):
    derby, dorset = councils
    with pytest.raises(ValidationError, match="your own lots"):
        services.workforce_standard_set(
            actor=None, commissioner=derby, lot=LotFactory(framework__commissioner=dorset)
        )
    with pytest.raises(ValidationError, match="0 to 100"):
        services.workforce_standard_set(actor=None, commissioner=derby, asc_wds_target_percent=Decimal("120"))


@time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_staff_page_shows_vetting_gaps_against_the_councils_standard(councils, client):
    derby, _dorset = councils
    provider = provider_of(derby, name="Derwent")
    services.workforce_standard_set(actor=None, commissioner=derby, enhanced_dbs_all_staff=True)
    staff = services.staff_create(
        actor=None,
        provider=provider,
        reference="DEC-1",
        started_on=dt.date(2025, 1, 6),
        dbs_level="basic",
        dbs_issued_on=dt.date(2024, 12, 1),
        first_reference_on=dt.date(2024, 12, 2),
        right_to_work_checked_on=dt.date(2024, 12, 3),
        right_to_work_expires_on=dt.date(2026, 6, 20),
    )
    client.force_login(user_for(provider, Role.PROVIDER_STAFF))
    page = client.get(staff.get_absolute_url()).content.decode()
    assert "DBS check is not enhanced (enhanced required)" in page
    assert "1 of 2 written references received" in page
    assert "Right to work ends on 20 Jun 2026" in page


@time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_completion_expires_by_the_interval_its_provider_is_held_to(councils):
    derby, dorset = councils
    course = TrainingCourse.objects.get(code="safeguarding-adults")
    for commissioner, name, expected in (
        (dorset, "Purbeck", dt.date(2027, 3, 2)),  # yearly [003 §12.11]: 2 Mar 2026 + 12 months
        (derby, "Derwent", dt.date(2028, 3, 2)),  # every 2 years [002 §6.1]: + 24 months
    ):
        staff = StaffMember.objects.create(
            provider=provider_of(commissioner, name=name), reference="S-1", started_on=dt.date(2025, 1, 6)
        )
        completion, _created = services.training_record(
            actor=None, staff=staff, course=course, completed_on=dt.date(2026, 3, 2)
        )
        assert completion.expires_on == expected
