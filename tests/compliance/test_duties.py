"""Safeguarding escalated at once to the council's contact [003 §7.9]; the provider's dated
duties to a council [004 §3.4.1, §8.2.2], [002 §4.8, §5, §6.4], [003 §11]; vetting and ASC-WDS
gaps and alerts [002 §6.1], [003 §7.4, §9.2]; each council's terms set through the API."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from compliance import selectors, services
from compliance.models import ComplianceTerms, DutyStatus, ProviderDuty
from portal.alerts import resolve
from portal.models import Alert, AuditEvent
from portal.roles import Capability, Role
from portal.uploads.files import table_from_records
from portal.uploads.resource import submit
from records.kinds import SPECS
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    ProviderFactory,
    SchemeFactory,
    api_token_for,
    user_for,
)
from workforce import services as workforce_services
from workforce.catalogue import ensure_catalogue
from workforce.models import StaffMember

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)  # Thursday 1 October 2026, 10:00 in London
TODAY = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(db):
    ensure_catalogue()
    dorset = CommissionerFactory(name="Dorset Council")
    provider = ProviderFactory(name="Purbeck Care Partnership")
    scheme = SchemeFactory(name="Bridport House", lot__framework__commissioner=dorset)
    contract = ContractFactory(commissioner=dorset, provider=provider, lot=scheme.lot, schemes=[scheme])
    services.compliance_terms_set(
        actor=None,
        commissioner=dorset,
        safeguarding_contact="Dorset Safeguarding Adults Team, 01305 221016",
        self_assessment_months=12,
    )
    return {
        "dorset": dorset,
        "provider": provider,
        "contract": contract,
        "council_user": user_for(dorset, Role.COMMISSIONER),
        "manager": user_for(provider, Role.PROVIDER_MANAGER),
        "staff_user": user_for(provider, Role.PROVIDER_STAFF),
    }


SAFEGUARDING = {
    "reference": "SG-1",
    "occurred_on": "2026-09-30",
    "category": "financial",
    "summary": "Relative taking money",
}


def test_a_safeguarding_concern_goes_at_once_to_the_councils_contact_and_waits_for_acknowledgement(w):
    spec = SPECS["safeguarding"]
    outcome = submit(
        spec, table_from_records(spec, [SAFEGUARDING]), actor=w["staff_user"], source="upload", dry_run=False
    )
    assert outcome.ok, outcome.problems
    alert = Alert.objects.get(kind="safeguarding-escalated")
    assert alert.recipient == w["dorset"] and alert.severity == "urgent"
    assert alert.title == (
        "Safeguarding concern SG-1 from Purbeck Care Partnership: pass it to Dorset Safeguarding Adults Team, "
        "01305 221016 now"
    )
    assert alert.detail == "Relative taking money"
    # The periodic check does not close it: only a person at the council does.
    services.compliance_alerts_raise(today=TODAY)
    alert.refresh_from_db()
    assert alert.resolved_at is None
    resolve(alert=alert, actor=w["council_user"], resolution="Passed to the safeguarding team")
    assert AuditEvent.objects.filter(action="resolved", object_id=str(alert.pk)).exists()
    # Uploading the same row again escalates nothing new.
    submit(
        spec, table_from_records(spec, [SAFEGUARDING]), actor=w["staff_user"], source="upload", dry_run=False
    )
    assert Alert.objects.filter(kind="safeguarding-escalated").count() == 1


def test_a_safeguarding_concern_by_the_api_is_escalated_too(w, api_client):
    _user, key = api_token_for(w["provider"], scopes=[Capability.PROVIDER_RECORD])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {**SAFEGUARDING, "reference": "SG-2", "contract": w["contract"].pk}
    response = api_client.post(reverse("records-api:safeguarding-incident-list"), body, format="json")
    assert response.status_code == 201, response.json()
    assert (
        Alert.objects.open().get(kind="safeguarding-escalated").title.startswith("Safeguarding concern SG-2")
    )


def test_duties_have_due_dates_alerts_and_consent(w, client):
    # A serious-harm review begun on Tuesday 29 Sep is due to be notified by Wednesday 30 Sep.
    review = services.duty_record(
        actor=w["manager"],
        provider=w["provider"],
        commissioner=w["dorset"],
        kind="serious_harm_review",
        summary="Fall with fracture",
        occurred_on=dt.date(2026, 9, 29),
    )
    assert review.due_on == dt.date(2026, 9, 30)
    # Last self-assessment 20 Oct 2025: the next due by 20 Oct 2026 (Dorset's 12 months).
    assessment = services.duty_record(
        actor=w["manager"],
        provider=w["provider"],
        commissioner=w["dorset"],
        kind="self_assessment",
        summary="Annual audit return",
        occurred_on=dt.date(2025, 10, 20),
    )
    assert assessment.due_on == dt.date(2026, 10, 20)
    with pytest.raises(ValidationError, match="council you work with"):
        services.duty_record(
            actor=w["manager"],
            provider=w["provider"],
            commissioner=CommissionerFactory(),
            kind="significant_change",
            summary="x",
            occurred_on=TODAY,
        )
    services.compliance_alerts_raise(today=TODAY)
    titles = sorted(a.title for a in Alert.objects.open().filter(kind="duty-due"))
    assert titles == [
        "Annual self-assessment to Dorset Council due by 20 Oct 2026",
        "Serious-harm review to Dorset Council overdue since 30 Sep 2026",
    ]
    gaps = selectors.compliance_gaps(w["council_user"], [w["provider"]], TODAY)[w["provider"].pk]
    assert ("Serious-harm review to Dorset Council overdue since 30 Sep 2026", True) in [
        (g.text, g.overdue) for g in gaps.gaps
    ]
    client.force_login(w["manager"])
    client.post(reverse("compliance:duty-send", args=[review.pk]), {"note": "Review started"})
    review.refresh_from_db()
    assert review.status == DutyStatus.DONE
    assert AuditEvent.objects.get(action="sent to the council").changes["late"] == [None, True]
    services.compliance_alerts_raise(today=TODAY)
    assert [a.title for a in Alert.objects.open().filter(kind="duty-due")] == [
        "Annual self-assessment to Dorset Council due by 20 Oct 2026"
    ]
    assert Alert.objects.open().get(recipient=w["dorset"], kind="duty-received")

    # Consent to sub-contract: the council gives or refuses it, with reasons to refuse.
    request = services.duty_record(
        actor=w["manager"],
        provider=w["provider"],
        commissioner=w["dorset"],
        kind="subcontracting",
        summary="Night visits by Wessex Nights Ltd",
        occurred_on=dt.date(2026, 11, 2),
    )
    assert request.due_on == dt.date(2026, 11, 2)
    services.duty_send(actor=w["manager"], duty=request)
    client.force_login(w["council_user"])
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Give consent" in page
    with pytest.raises(ValidationError, match="why consent is refused"):
        services.duty_decide(actor=w["council_user"], duty=request, consent=False)
    client.post(
        reverse("compliance:duty-decide", args=[request.pk]),
        {"consent": "no", "response": "No CQC registration"},
    )
    request.refresh_from_db()
    assert (request.status, request.response) == (DutyStatus.REFUSED, "No CQC registration")
    assert Alert.objects.get(recipient=w["provider"], kind="duty-decided").title == (
        "Dorset Council refused consent to sub-contract"
    )
    with pytest.raises(ValidationError, match="Only a request to sub-contract"):
        services.duty_decide(actor=w["council_user"], duty=review, consent=True)
    # The list page shows the provider's duties to the council.
    page = client.get(reverse("compliance:duty-list")).content.decode()
    assert "Consent to sub-contract" in page and "Serious-harm review" in page


def test_duties_through_the_api(w, api_client):
    _user, key = api_token_for(w["provider"], scopes=[Capability.PROVIDER_MANAGE])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {
        "commissioner": w["dorset"].pk,
        "duty_kind": "significant_change",
        "summary": "New branch manager",
        "occurred_on": "2026-10-03",
    }
    created = api_client.post(reverse("compliance-api:provider-duty-list"), body, format="json")
    # Saturday 3 Oct: "immediately" is the same day [004 §3.4.1].
    assert created.status_code == 201 and created.json()["due_on"] == "2026-10-03"
    pk = created.json()["id"]
    sent = api_client.post(reverse("compliance-api:provider-duty-send", args=[pk]), {}, format="json")
    assert sent.json()["status"] == "done"
    refused = api_client.post(
        reverse("compliance-api:provider-duty-decide", args=[pk]), {"consent": True}, format="json"
    )
    assert refused.status_code == 403  # the provider does not decide


def test_a_council_sets_its_terms_through_the_api(w, api_client):
    _user, key = api_token_for(w["dorset"], scopes=[Capability.COMMISSION])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = reverse("compliance-api:compliance-terms-list")
    response = api_client.post(
        url, {"rating_notice_working_days": 2, "safeguarding_contact": "SAT"}, format="json"
    )
    assert response.status_code == 201, response.json()
    terms = ComplianceTerms.objects.get(commissioner=w["dorset"])
    assert (terms.rating_notice_working_days, terms.safeguarding_contact, terms.self_assessment_months) == (
        2,
        "SAT",
        None,
    )
    _puser, pkey = api_token_for(w["provider"], scopes=[Capability.PROVIDER_MANAGE])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {pkey}")
    assert [t["commissioner"] for t in api_client.get(url).json()] == [w["dorset"].pk]
    assert api_client.post(url, {"rating_notice_working_days": 9}, format="json").status_code == 403


def test_vetting_right_to_work_and_asc_wds_alerts(w):
    workforce_services.workforce_standard_set(
        actor=None, commissioner=w["dorset"], asc_wds_target_percent=Decimal("90"), source="[003 §9.2]"
    )
    vetted = {
        "dbs_level": "enhanced",
        "dbs_workforce": "adult",
        "dbs_issued_on": dt.date(2024, 1, 2),
        "first_reference_on": dt.date(2024, 1, 3),
        "second_reference_on": dt.date(2024, 1, 4),
        "right_to_work_checked_on": dt.date(2024, 1, 5),
    }
    # Ten staff, all vetted; eight updated in ASC-WDS this financial year (from 1 Apr 2026).
    for i in range(10):
        workforce_services.staff_create(
            actor=None,
            provider=w["provider"],
            reference=f"PCP-{i:02d}",
            started_on=dt.date(2024, 1, 8),
            asc_wds_updated_on=dt.date(2026, 5, 1) if i < 8 else dt.date(2026, 3, 31),
            **vetted,
        )
    # One's right to work ends on 20 Oct 2026: within 30 days of 1 Oct.
    StaffMember.objects.filter(reference="PCP-00").update(right_to_work_expires_on=dt.date(2026, 10, 20))
    services.compliance_alerts_raise(today=TODAY)
    titles = {a.kind: a.title for a in Alert.objects.open().filter(recipient=w["provider"])}
    assert titles["right-to-work-ending"] == "Staff PCP-00: Right to work ends on 20 Oct 2026"
    # 8 of 10 = 80.0%, below Dorset's 90%.
    assert titles["asc-wds-below-target"] == (
        "ASC-WDS: 80.0% of staff records updated this financial year, below the 90% required"
    )
    assert "vetting-gaps" not in titles
    gaps = selectors.compliance_gaps(w["council_user"], [w["provider"]], TODAY)[w["provider"].pk]
    texts = [(g.text, g.overdue) for g in gaps.gaps]
    assert ("ASC-WDS: 80.0% of staff records updated this financial year (target 90%)", True) in texts
    assert ("Staff PCP-00: Right to work ends on 20 Oct 2026", False) in texts
    # Update one more record: 9 of 10 = 90.0% meets the target, and the alert is resolved.
    StaffMember.objects.filter(reference="PCP-08").update(asc_wds_updated_on=dt.date(2026, 9, 1))
    services.compliance_alerts_raise(today=TODAY)
    assert not Alert.objects.open().filter(kind="asc-wds-below-target").exists()
    assert not ProviderDuty.objects.exists()
