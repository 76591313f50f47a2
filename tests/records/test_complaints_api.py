"""The council's complaint information requests [004 §8.5.5], the provider's monthly complaints
reports [004 §8.5.6–7] and the council's PAMMS assessments [004 App. 4] over the API, through HTTP
with signed-in clients: each side writes only its own records, another organisation gets 404 and a
refused write changes nothing."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from portal.models import Alert, AuditEvent
from portal.roles import Role
from records import alerts
from records.models import ComplaintInformationRequest, MonthlyComplaintsReport, PammsAssessment
from tests.factories import ContractFactory, SchemeFactory, user_for
from tests.kpis.factories import ComplaintFactory

pytestmark = [pytest.mark.django_db]
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def contract():
    contract = ContractFactory(reference="NCC-HWC-L1")
    contract.schemes.add(SchemeFactory(lot=contract.lot, name="Barley Court"))
    return contract


@pytest.fixture
def stranger():
    """The provider of another contract: none of the pair's records are its own."""
    return user_for(ContractFactory(reference="NCC-HWC-L9").provider, Role.PROVIDER_MANAGER)


def test_the_council_asks_and_the_provider_answers_through_the_api(api_client, contract, stranger):
    council = user_for(contract.commissioner, Role.COMMISSIONER)
    api_client.force_login(council)
    response = api_client.post(
        reverse("records-api:complaint-request-list"),
        {
            "contract": contract.pk,
            "reference": "NCC-C-77",
            "requested_on": "2026-05-22",  # Friday; Monday 25 May is the Spring bank holiday
            "information_requested": "Visit logs for 1–14 May",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["due_on"], body["answered_on"], body["provider"]) == (
        "2026-06-08",
        None,
        contract.provider_id,
    )
    assert Alert.objects.get(kind=alerts.INFORMATION_REQUESTED).recipient == contract.provider
    answer_url = reverse("records-api:complaint-request-answer", args=[body["id"]])
    # The council cannot answer its own request: 403, nothing changes.
    assert api_client.post(answer_url, {"answered_on": "2026-06-08"}, format="json").status_code == 403
    # Another provider does not see it at all.
    api_client.force_login(stranger)
    detail = reverse("records-api:complaint-request-detail", args=[body["id"]])
    assert api_client.get(detail).status_code == 404
    assert api_client.post(answer_url, {"answered_on": "2026-06-08"}, format="json").status_code == 404
    assert ComplaintInformationRequest.objects.get().answered_on is None
    # The provider answers on the 10th working day: in time.
    api_client.force_login(user_for(contract.provider, Role.PROVIDER_STAFF))
    response = api_client.post(
        answer_url, {"answered_on": "2026-06-08", "answer": "Logs sent"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["answered_on"] == "2026-06-08"
    assert ComplaintInformationRequest.objects.get().answered_in_time is True
    # A second answer is refused (400) and changes nothing.
    again = api_client.post(answer_url, {"answered_on": "2026-06-09"}, format="json")
    assert again.status_code == 400
    assert ComplaintInformationRequest.objects.get().answered_on == dt.date(2026, 6, 8)
    request_id = str(body["id"])
    assert [e.action for e in AuditEvent.objects.filter(object_id=request_id).order_by("pk")] == [
        "requested",
        "answered",
    ]


def test_a_provider_cannot_record_the_councils_request(api_client, contract):
    api_client.force_login(user_for(contract.provider, Role.PROVIDER_MANAGER))
    response = api_client.post(
        reverse("records-api:complaint-request-list"),
        {
            "contract": contract.pk,
            "reference": "X",
            "requested_on": "2026-06-01",
            "information_requested": "Logs",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not ComplaintInformationRequest.objects.exists()


def test_the_provider_reports_the_month_and_the_council_reads_it(api_client, contract, stranger):
    # May 2026: 2 complaints (1 upheld), 1 concern, 1 compliment; a June complaint is not counted.
    for kind, upheld, day in (
        ("complaint", True, 4),
        ("complaint", False, 20),
        ("concern", None, 11),
        ("compliment", None, 29),
    ):
        ComplaintFactory(contract=contract, kind=kind, upheld=upheld, received_on=dt.date(2026, 5, day))
    ComplaintFactory(contract=contract, kind="complaint", received_on=dt.date(2026, 6, 2))
    api_client.force_login(user_for(contract.provider, Role.PROVIDER_MANAGER))
    url = reverse("records-api:complaints-report-list")
    data = {"contract": contract.pk, "month": "2026-05-01", "actions_taken": "Rota changed", "complaints": 99}
    response = api_client.post(url, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # The counts are the recorded complaints, not what was sent (complaints=99 is read-only).
    assert [body[k] for k in ("complaints", "concerns", "compliments", "upheld")] == [2, 1, 1, 1]
    # The same month again: 400, still one report.
    assert api_client.post(url, data, format="json").status_code == 400
    assert MonthlyComplaintsReport.objects.count() == 1
    # The council reads it but cannot send one (403); another provider gets 404.
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    detail = reverse("records-api:complaints-report-detail", args=[body["id"]])
    assert api_client.get(detail).json()["actions_taken"] == "Rota changed"
    data["month"] = "2026-04-01"
    assert api_client.post(url, data, format="json").status_code == 403
    assert MonthlyComplaintsReport.objects.count() == 1
    api_client.force_login(stranger)
    assert api_client.get(detail).status_code == 404
    assert api_client.get(url).json()["count"] == 0


def test_the_council_records_pamms_and_the_provider_reads_it(api_client, contract, stranger):
    scheme = contract.schemes.get()
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    url = reverse("records-api:pamms-assessment-list")
    data = {"contract": contract.pk, "scheme": scheme.pk, "rating": "good", "assessed_on": "2026-06-01"}
    response = api_client.post(url, data, format="json")
    assert response.status_code == 201, response.json()
    detail = reverse("records-api:pamms-assessment-detail", args=[response.json()["id"]])
    api_client.force_login(user_for(contract.provider, Role.PROVIDER_STAFF))
    assert api_client.get(detail).json()["rating"] == "good"
    assert api_client.post(url, {**data, "rating": "excellent"}, format="json").status_code == 403
    api_client.force_login(stranger)
    assert api_client.get(detail).status_code == 404
    # The stranger names the pair's contract: not found, and nothing is recorded.
    assert api_client.post(url, data, format="json").status_code in (403, 404)
    assert list(PammsAssessment.objects.values_list("rating", flat=True)) == ["good"]
