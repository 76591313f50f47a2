"""The council's complaint information requests [004 §8.5.5], the provider's monthly complaints
report [004 §8.5.6–7] and the council's PAMMS assessments [004 App. 4], through the pages."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Alert, AuditEvent
from portal.roles import Role
from records import alerts
from records.models import ComplaintInformationRequest, MonthlyComplaintsReport, PammsAssessment
from records.services import complaints as services_complaints
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


def test_the_council_asks_and_the_provider_answers_on_the_tenth_working_day(client, login, contract):
    council = user_for(contract.commissioner, Role.COMMISSIONER)
    login(council)
    response = client.post(
        reverse("records:complaint-requests-create"),
        {
            "contract": contract.pk,
            "reference": "NCC-C-77",
            "requested_on": "22/05/2026",  # Friday; Monday 25 May is the Spring bank holiday
            "information_requested": "Visit logs for 1–14 May",
        },
    )
    assert response.status_code == 302, response.content.decode()
    request = ComplaintInformationRequest.objects.get()
    assert request.due_on == dt.date(2026, 6, 8)  # the 10th working day
    alert = Alert.objects.get(kind=alerts.INFORMATION_REQUESTED)
    assert alert.recipient == contract.provider and "due by 08 Jun 2026" in alert.title
    staff = user_for(contract.provider, Role.PROVIDER_STAFF)
    login(staff)
    assert "Record the information returned" in client.get(request.get_absolute_url()).content.decode()
    response = client.post(
        reverse("records:complaint-requests-answer", args=[request.pk]),
        {"answered_on": "08/06/2026", "answer": "Logs and rota sent by secure email"},
    )
    assert response.status_code == 302, response.content.decode()
    request.refresh_from_db()
    assert request.answered_in_time is True
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert Alert.objects.get(kind=alerts.INFORMATION_RETURNED).recipient == contract.commissioner
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(request.pk)).order_by("pk")] == [
        "requested",
        "answered",
    ]
    page = client.get(reverse("records:complaint-requests-list")).content.decode()
    assert "NCC-C-77" in page and "08 Jun 2026" in page


def test_a_provider_cannot_record_the_councils_request(contract):
    with pytest.raises(PermissionDenied):
        services_complaints.complaint_request_record(
            actor=user_for(contract.provider, Role.PROVIDER_MANAGER),
            contract=contract,
            reference="X",
            requested_on=dt.date(2026, 6, 1),
            information_requested="Anything",
        )


def test_the_monthly_report_counts_the_months_complaints(client, login, contract):
    for kind, upheld, day in (
        ("complaint", True, dt.date(2026, 5, 3)),
        ("complaint", False, dt.date(2026, 5, 31)),
        ("concern", True, dt.date(2026, 5, 12)),
        ("compliment", None, dt.date(2026, 5, 20)),
        ("complaint", True, dt.date(2026, 6, 1)),  # June: not in May's report
    ):
        ComplaintFactory(contract=contract, kind=kind, upheld=upheld, received_on=day)
    manager = user_for(contract.provider, Role.PROVIDER_MANAGER)
    login(manager)
    response = client.post(
        reverse("records:complaint-reports-create"),
        {
            "contract": contract.pk,
            "month": "2026-05-01",
            "actions_taken": "Rota changed for the tea-time visits",
            "lessons_learned": "Shared at the team meeting",
        },
    )
    assert response.status_code == 302, response.content.decode()
    report = MonthlyComplaintsReport.objects.get()
    # May: complaints 2 (3rd, 31st), concerns 1, compliments 1; upheld 2 (a complaint and the concern).
    assert (report.complaints, report.concerns, report.compliments, report.upheld) == (2, 1, 1, 2)
    with pytest.raises(ValidationError, match="already sent"):
        services_complaints.complaints_report_submit(
            actor=manager, contract=contract, month=dt.date(2026, 5, 1), actions_taken="Again"
        )
    with pytest.raises(ValidationError, match="once it has ended"):
        services_complaints.complaints_report_submit(
            actor=manager, contract=contract, month=dt.date(2026, 6, 1), actions_taken="Too soon"
        )
    login(user_for(contract.commissioner, Role.COMMISSIONER))
    assert "Rota changed" in client.get(report.get_absolute_url()).content.decode()


def test_the_council_records_a_pamms_assessment(client, login, contract):
    login(user_for(contract.commissioner, Role.COMMISSIONER))
    scheme = contract.schemes.get()
    response = client.post(
        reverse("records:pamms-create"),
        {"contract": contract.pk, "scheme": scheme.pk, "rating": "excellent", "assessed_on": "01/06/2026"},
    )
    assert response.status_code == 302, response.content.decode()
    assessment = PammsAssessment.objects.get()
    assert (assessment.scheme, assessment.rating, assessment.provider) == (
        scheme,
        "excellent",
        contract.provider,
    )
