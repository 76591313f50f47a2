"""Pages and API over HTTP with real sign-in: NHS Dorset and its provider use them; Dorset
Council's users get 404 on every NHS record and see none of its people `[001 Part 2]`."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from continuing_care import services
from continuing_care.models import ContinuingCareEligibility, MileageClaim
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(nhs_user, nhs_contract, nhs_child):
    eligibility = services.eligibility_record(
        actor=nhs_user,
        service_user=nhs_child,
        decided_on=dt.date(2026, 1, 5),
        review_due_on=dt.date(2027, 1, 5),
    )
    agreement = services.mileage_agreement_create(
        actor=nhs_user, contract=nhs_contract, reference="NHSD-MIL-001", purpose="Hospital",
        agreed_on=dt.date(2026, 4, 1), valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2027, 3, 31),
        rate_per_mile=D("0.45"), max_miles=D("100"),
    )  # fmt: skip
    plan = services.mobilisation_plan_create(actor=nhs_user, contract=nhs_contract)
    return {"eligibility": eligibility, "agreement": agreement, "plan": plan}


def test_the_nhs_records_eligibility_through_its_page(client, nhs_user, nhs_child):
    client.force_login(nhs_user)
    url = reverse("continuing_care:eligibility-record", args=[nhs_child.pk])
    response = client.post(url, {"decided_on": "2026-01-05", "review_due_on": "2027-01-05", "notes": ""})
    assert response.status_code == 302
    assert ContinuingCareEligibility.objects.filter(
        service_user=nhs_child, review_due_on=dt.date(2027, 1, 5)
    ).exists()
    page = client.get(reverse("continuing_care:person-detail", args=[nhs_child.pk]))
    assert page.status_code == 200 and "5 Jan 2027" in page.content.decode()


def test_dorset_council_gets_404_on_nhs_records_and_sees_none_of_its_people(
    client, council_user, nhs_child, council_child, records
):
    client.force_login(council_user)
    for name, pk in [
        ("continuing_care:person-detail", nhs_child.pk),
        ("continuing_care:eligibility-record", nhs_child.pk),
        ("continuing_care:mileage-agreement-detail", records["agreement"].pk),
        ("continuing_care:mobilisation-detail", records["plan"].pk),
        ("packages_of_care:service-user-detail", nhs_child.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    index = client.get(reverse("continuing_care:index")).content.decode()
    assert nhs_child.name not in index and "NHSD-MIL-001" not in index
    people = client.get(reverse("packages_of_care:service-user-list")).content.decode()
    assert nhs_child.name not in people and council_child.name in people


def test_the_provider_sees_both_commissioners_children(client, manager, nhs_child, council_child, records):
    client.force_login(manager)
    page = client.get(reverse("continuing_care:person-detail", args=[nhs_child.pk]))
    assert page.status_code == 200
    # A council's child is no continuing-care person (Part 2 is the NHS's).
    assert client.get(reverse("continuing_care:person-detail", args=[council_child.pk])).status_code == 404


def test_api_mileage_claim_without_an_agreement_is_refused(api_client, manager, nhs_child, records):
    api_client.force_login(manager)
    body = {
        "service_user": nhs_child.pk,
        "travelled_on": "2026-05-12",
        "miles": "20.0",
        "journey": "To hospital",
    }
    response = api_client.post("/api/v1/mileage-claims/", body, format="json")
    assert response.status_code == 400
    assert "prior agreement" in str(response.json())
    assert not MileageClaim.objects.exists()
    response = api_client.post(
        "/api/v1/mileage-claims/", {**body, "agreement": records["agreement"].pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "9.00"  # 20 miles × £0.45
    assert AuditEvent.objects.filter(action="mileage claimed").count() == 1


def test_api_is_scoped(api_client, council_user, nhs_user, records):
    api_client.force_login(council_user)
    assert api_client.get("/api/v1/continuing-care-eligibilities/").json()["results"] == []
    assert api_client.get(f"/api/v1/mileage-agreements/{records['agreement'].pk}/").status_code == 404
    assert api_client.get(f"/api/v1/mobilisation-plans/{records['plan'].pk}/").status_code == 404
    api_client.force_login(nhs_user)
    plan = api_client.get(f"/api/v1/mobilisation-plans/{records['plan'].pk}/").json()
    assert [m["due_on"] for m in plan["milestones"] if m["week"] == 20] == ["2026-05-24"]


def test_api_milestone_progress_by_the_provider(api_client, manager, records):
    milestone = records["plan"].milestones.get(week=2)
    api_client.force_login(manager)
    response = api_client.post(
        f"/api/v1/mobilisation-milestones/{milestone.pk}/progress/",
        {"status": "done", "completed_on": "2026-01-16"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"


def test_person_page_shows_the_history_of_their_records(client, nhs_user, nhs_child, records):
    client.force_login(nhs_user)
    page = client.get(reverse("continuing_care:person-detail", args=[nhs_child.pk])).content.decode()
    assert "History" in page and "eligibility recorded" in page
