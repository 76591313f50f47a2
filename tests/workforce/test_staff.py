"""Staff and training by form and API, and the training matrix."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.roles import Capability, Role
from tests.factories import (
    CommissionerFactory,
    ProviderFactory,
    SchemeFactory,
    api_token_for,
    user_for,
)
from workforce import selectors, services
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse
from workforce.rules import TrainingState

pytestmark = pytest.mark.django_db


def test_staff_references_are_unique_per_provider_and_schemes_must_be_theirs(w):
    services.staff_create(
        actor=w["user"], provider=w["provider"], reference="WVC-1", started_on=dt.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError, match="already have a member of staff with reference wvc-1"):
        services.staff_create(
            actor=w["user"], provider=w["provider"], reference="wvc-1", started_on=dt.date(2025, 1, 1)
        )
    with pytest.raises(ValidationError, match="Choose one of the schemes you provide care in"):
        services.staff_create(
            actor=w["user"],
            provider=w["provider"],
            reference="WVC-2",
            started_on=dt.date(2025, 1, 1),
            scheme=SchemeFactory(),
        )


def test_the_staff_form_refuses_another_councils_scheme(w, client):
    client.force_login(w["user"])
    elsewhere = SchemeFactory(name="Elsewhere")
    response = client.post(
        reverse("workforce:staff-create"),
        {"reference": "WVC-9", "started_on": "2025-01-06", "scheme": elsewhere.pk},
    )
    assert response.status_code == 200 and not StaffMember.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_recording_training_twice_changes_nothing(w):
    staff = services.staff_create(
        actor=w["user"], provider=w["provider"], reference="WVC-1", started_on=dt.date(2025, 1, 1)
    )
    course = TrainingCourse.objects.get(code="first-aid")
    first, created = services.training_record(
        actor=w["user"], staff=staff, course=course, completed_on=dt.date(2025, 2, 1)
    )
    again, created_again = services.training_record(
        actor=w["user"], staff=staff, course=course, completed_on=dt.date(2025, 2, 1)
    )
    assert created and not created_again and first.pk == again.pk
    assert first.expires_on == dt.date(2028, 2, 1)  # first aid: every 3 years [002 §6.1]


@time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_training_matrix_shows_who_is_overdue_in_a_fixed_number_of_queries(
    w, django_assert_max_num_queries
):
    course = TrainingCourse.objects.get(code="safeguarding-adults")
    for i in range(40):
        staff = StaffMember.objects.create(
            provider=w["provider"], reference=f"WVC-{i:03d}", started_on=dt.date(2023, 1, 2)
        )
        TrainingCompletion(
            staff=staff, course=course, completed_on=dt.date(2024, 5, 1) if i % 2 else dt.date(2025, 1, 1)
        ).fill_expiry().save()
    StaffMember.objects.create(
        provider=w["provider"], reference="LEFT", started_on=dt.date(2020, 1, 1), left_on=dt.date(2025, 1, 1)
    )
    staff_qs = StaffMember.objects.filter(provider=w["provider"])
    # The staff, the councils and lots the provider works on, their requirements (none here), the
    # catalogue's default, the latest completions: 5 however many staff.
    with django_assert_max_num_queries(5):
        matrix = selectors.training_matrix(staff_qs, dt.date(2026, 6, 1))
    assert len(matrix.rows) == 40  # the leaver is not in the matrix
    column = [c.code for c in matrix.courses].index("safeguarding-adults")
    states = {row.staff.reference: row.cells[column].state for row in matrix.rows}
    assert states["WVC-001"] == TrainingState.OVERDUE  # done 1 May 2024: due again 1 May 2026
    assert states["WVC-000"] == TrainingState.CURRENT  # done 1 Jan 2025: due again 1 Jan 2027


def test_pages_for_the_provider_and_the_council(w, client, django_assert_max_num_queries):
    for i in range(25):
        StaffMember.objects.create(
            provider=w["provider"], reference=f"WVC-{i:03d}", started_on=dt.date(2024, 1, 1)
        )
    client.force_login(w["user"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("workforce:staff-list")).status_code == 200
    with django_assert_max_num_queries(20):
        page = client.get(reverse("workforce:training-matrix")).content.decode()
    assert "WVC-024" in page and "Not done" in page
    client.force_login(w["council"])
    page = client.get(reverse("workforce:training-matrix") + f"?provider={w['provider'].pk}").content.decode()
    assert "WVC-024" in page
    stranger = user_for(CommissionerFactory(name="Elsewhere"), Role.COMMISSIONER)
    client.force_login(stranger)
    page = client.get(reverse("workforce:training-matrix") + f"?provider={w['provider'].pk}").content.decode()
    assert "WVC-024" not in page


def test_api_staff_and_training(w, api_client):
    _user, key = api_token_for(w["provider"], scopes=[Capability.PROVIDER_RECORD])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post(
        reverse("workforce-api:staff-list"),
        {"reference": "WVC-7", "started_on": "2025-09-01", "scheme": w["scheme"].pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    staff_id = response.json()["id"]
    body = {"staff": staff_id, "course": "mca-dols", "completed_on": "2025-10-01"}
    first = api_client.post(reverse("workforce-api:training-completion-list"), body, format="json")
    assert first.status_code == 201 and first.json()["expires_on"] == "2027-10-01"
    assert (
        api_client.post(reverse("workforce-api:training-completion-list"), body, format="json").status_code
        == 200
    )
    other = StaffMember.objects.create(
        provider=ProviderFactory(name="Other"), reference="X", started_on=dt.date(2025, 1, 1)
    )
    body["staff"] = other.pk
    assert (
        api_client.post(reverse("workforce-api:training-completion-list"), body, format="json").status_code
        == 404
    )
    patch = api_client.patch(
        reverse("workforce-api:staff-detail", args=[staff_id]), {"left_on": "2026-01-31"}, format="json"
    )
    assert patch.status_code == 200 and patch.json()["left_on"] == "2026-01-31"


def test_api_lists_keep_a_fixed_number_of_queries(w, api_client, django_assert_max_num_queries):
    course = TrainingCourse.objects.get(code="first-aid")
    for i in range(30):
        staff = StaffMember.objects.create(
            provider=w["provider"], reference=f"WVC-{i:03d}", started_on=dt.date(2024, 1, 1)
        )
        TrainingCompletion(staff=staff, course=course, completed_on=dt.date(2025, 1, 1)).fill_expiry().save()
    for user in (w["user"], w["council"]):
        api_client.force_authenticate(user)
        for name in ("staff-list", "training-completion-list", "training-course-list"):
            with django_assert_max_num_queries(10):
                assert api_client.get(reverse(f"workforce-api:{name}")).status_code == 200
        assert api_client.get(reverse("workforce-api:staff-list")).json()["count"] == 30
