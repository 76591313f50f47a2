"""Operational records: each kind's spreadsheet rows (checked, all or nothing, idempotent), the
rules with worked examples, the forms and the API."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from packages_of_care.models import ServiceUser
from portal.models import AuditEvent
from portal.roles import Role
from portal.uploads.files import table_from_records
from portal.uploads.resource import submit
from records.kinds import SPECS
from records.models import ActivityAttendance, AlarmCall, Complaint, NominationDecision, Void
from tests.factories import ContractFactory, SchemeFactory, api_token_for, user_for
from tests.helpers import ACCESS_LOG_QUERIES
from tests.packages_of_care.factories import OrderFactory

pytestmark = [pytest.mark.django_db]
NOW = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    scheme = SchemeFactory(name="Barley Court")
    contract = ContractFactory(schemes=[scheme], reference="NCC-HWC-L1")
    person = ServiceUser.objects.create(
        commissioner=contract.commissioner, reference="SU-1", name="Joan Rix", scheme=scheme, flat="12"
    )
    OrderFactory(contract=contract, service_user=person)
    staff = user_for(contract.provider, Role.PROVIDER_STAFF)
    return type("World", (), {"scheme": scheme, "contract": contract, "person": person, "user": staff})


def run(user, kind, items, dry_run=False):
    spec = SPECS[kind]
    return submit(spec, table_from_records(spec, items), actor=user, source="upload", dry_run=dry_run)


GOOD = {
    "alarm_calls": [
        {
            "scheme": "Barley Court",
            "flat": "12",
            "service_user_reference": "SU-1",
            "raised_at": "2026-09-01 23:14",
            "responded_at": "2026-09-01 23:19",
            "outcome": "fall_assisted",
        },
        {
            "scheme": "Barley Court",
            "flat": "30",
            "resident_is_customer": "no",
            "raised_at": "2026-09-02 14:00",
            "responded_at": "2026-09-02 14:20",
            "outcome": "advice",
        },
    ],
    "complaints": [
        {
            "reference": "CMP-1",
            "kind": "complaint",
            "scheme": "Barley Court",
            "received_on": "2026-09-03",
            "summary": "Late visits",
            "upheld": "yes",
            "closed_on": "2026-09-10",
            "response_sent_to_council_on": "10/09/2026",
        },
        {"reference": "CMP-2", "kind": "compliment", "received_on": "2026-09-04", "summary": "Thank you"},
    ],
    "safeguarding": [
        {
            "reference": "SG-1",
            "occurred_on": "2026-09-05",
            "reported_to_council_on": "2026-09-05",
            "category": "medication",
            "summary": "Double dose",
            "service_user_reference": "SU-1",
        },
    ],
    "surveys": [
        {"reference": "S-1", "scheme": "Barley Court", "responded_on": "2026-09-15", "satisfied": "yes"},
        {
            "reference": "S-2",
            "scheme": "Barley Court",
            "responded_on": "2026-09-15",
            "satisfied": "no",
            "comments": "Same carers please",
        },
    ],
    "voids": [
        {
            "scheme": "Barley Court",
            "flat": "7",
            "status": "actual",
            "start_date": "2026-08-01",
            "end_date": "2026-09-12",
        },
        {"scheme": "Barley Court", "flat": "7", "status": "pending", "start_date": "2026-09-20"},
    ],
    "nominations": [
        {
            "scheme": "Barley Court",
            "panel_date": "2026-09-14",
            "applicant_reference": "N-1",
            "applicant_age": "78",
            "assessed_care_hours_per_week": "10.5",
            "decision": "accepted",
        },
        {
            "scheme": "Barley Court",
            "panel_date": "2026-09-14",
            "applicant_reference": "N-2",
            "applicant_age": "81",
            "assessed_care_hours_per_week": "6",
            "decision": "declined",
            "declined_by": "provider",
            "reason": "Night needs",
        },
    ],
    "activities": [
        {
            "title": "Coffee morning",
            "kind": "wellbeing",
            "scheme": "Barley Court",
            "location": "Lounge",
            "starts_at": "2026-09-09 10:00",
            "ends_at": "2026-09-09 11:30",
            "capacity": "2",
        },
    ],
}


@pytest.mark.parametrize("kind", list(GOOD))
def test_each_kind_uploads_once(world, kind):
    items = GOOD[kind]
    model = SPECS[kind].model
    preview = run(world.user, kind, items, dry_run=True)
    assert preview.ok and preview.new == len(items) and model.objects.count() == 0, preview.problems
    first = run(world.user, kind, items)
    assert first.new == len(items) and model.objects.count() == len(items)
    assert AuditEvent.objects.filter(action="recorded").count() == len(items)
    for record in model.objects.all():
        assert (record.commissioner_id, record.provider_id, record.contract_id) == (
            world.contract.commissioner_id,
            world.contract.provider_id,
            world.contract.pk,
        )
    again = run(world.user, kind, items)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(items))


def test_alarm_calls_derive_overnight_and_response(world):
    run(world.user, "alarm_calls", GOOD["alarm_calls"])
    night = AlarmCall.objects.get(flat="12")
    day = AlarmCall.objects.get(flat="30")
    assert (night.is_overnight, night.response_seconds, night.service_user) == (True, 300, world.person)
    assert (day.is_overnight, day.response_seconds, day.resident_is_customer) == (False, 1200, False)


def test_a_changed_row_updates_and_is_audited(world):
    items = GOOD["complaints"]
    run(world.user, "complaints", items)
    changed = [dict(items[0], upheld="no"), items[1]]
    outcome = run(world.user, "complaints", changed)
    assert (outcome.updated, outcome.unchanged) == (1, 1)
    assert Complaint.objects.get(reference="CMP-1").upheld is False
    assert AuditEvent.objects.get(action="updated").changes == {"upheld": [True, False]}


def test_attendance_by_activity_and_person(world):
    run(world.user, "activities", GOOD["activities"])
    other = ServiceUser.objects.create(
        commissioner=world.contract.commissioner, reference="SU-2", name="Arthur Bunn"
    )
    OrderFactory(contract=world.contract, service_user=other)
    third = ServiceUser.objects.create(
        commissioner=world.contract.commissioner, reference="SU-3", name="Betty Sayer"
    )
    OrderFactory(contract=world.contract, service_user=third)
    items = [
        {
            "activity_title": "Coffee morning",
            "activity_starts_at": "2026-09-09 10:00",
            "service_user_reference": ref,
        }
        for ref in ("SU-1", "SU-2")
    ]
    assert run(world.user, "attendance", items).new == 2
    full = run(world.user, "attendance", [*items, {**items[0], "service_user_reference": "SU-3"}])
    assert [(p.row, p.field, p.code) for p in full.problems] == [(3, "attended", "over_capacity")]
    assert ActivityAttendance.objects.count() == 2


# (kind, which of GOOD[kind], the changes to it, the problem expected as (field, code))
RULES = [
    ("alarm_calls", 0, {"responded_at": "2026-09-01 23:00"}, ("responded_at", "before")),
    ("alarm_calls", 0, {"raised_at": "2026-10-02 10:00", "responded_at": ""}, ("raised_at", "in_future")),
    ("alarm_calls", 0, {"scheme": "Nowhere Court"}, ("scheme", "unknown_scheme")),
    ("alarm_calls", 0, {"service_user_reference": "SU-404"}, ("service_user_reference", "unknown_person")),
    ("alarm_calls", 0, {"contract_reference": "X-1"}, ("contract_reference", "unknown_contract")),
    ("alarm_calls", 0, {"outcome": "teleported"}, ("outcome", "bad_choice")),
    ("complaints", 0, {"closed_on": "2026-09-01"}, ("closed_on", "before")),
    ("complaints", 1, {"upheld": "yes"}, ("upheld", "compliment_not_upheld")),
    ("complaints", 0, {"received_on": "31/09/2026"}, ("received_on", "bad_datetime")),
    ("safeguarding", 0, {"reported_to_council_on": "2026-09-01"}, ("reported_to_council_on", "before")),
    ("surveys", 0, {"satisfied": ""}, ("satisfied", "required")),
    ("voids", 0, {"end_date": "2026-07-01"}, ("end_date", "before")),
    ("nominations", 1, {"reason": ""}, ("reason", "decline_needs_reason")),
    ("nominations", 0, {"declined_by": "panel"}, ("declined_by", "declined_by_only_declined")),
    ("nominations", 0, {"applicant_age": "old"}, ("applicant_age", "bad_int")),
    ("activities", 0, {"ends_at": "2026-09-09 09:00"}, ("ends_at", "before")),
]


@pytest.mark.parametrize(
    ("kind", "good", "changes", "expected"), RULES, ids=[f"{k}-{e[1]}" for k, _g, _c, e in RULES]
)
def test_rule(world, kind, good, changes, expected):
    outcome = run(world.user, kind, [{**GOOD[kind][good], **changes}])
    assert [(p.row, p.field, p.code) for p in outcome.problems] == [(1, *expected)], outcome.problems
    assert SPECS[kind].model.objects.count() == 0


def test_overlapping_voids_for_one_flat(world):
    run(world.user, "voids", GOOD["voids"][:1])
    outcome = run(world.user, "voids", [{**GOOD["voids"][0], "start_date": "2026-09-01"}])
    assert [(p.field, p.code) for p in outcome.problems] == [("start_date", "void_overlap")]
    assert Void.objects.count() == 1


def test_a_provider_with_two_contracts_must_say_which(world):
    ContractFactory(provider=world.contract.provider, commissioner=world.contract.commissioner)
    item = {"reference": "CMP-9", "received_on": "2026-09-03", "summary": "No scheme given"}
    outcome = run(world.user, "complaints", [item])
    assert [(p.field, p.code) for p in outcome.problems] == [("contract_reference", "no_contract")]
    assert run(world.user, "complaints", [{**item, "contract_reference": "NCC-HWC-L1"}]).ok


def test_the_form_and_its_history(world, login):
    client = login(world.user)
    form = {
        "contract": world.contract.pk,
        "reference": "CMP-7",
        "kind": "complaint",
        "scheme": world.scheme.pk,
        "received_on": "2026-09-03",
        "summary": "Late",
    }
    response = client.post("/records/complaints/new/", {**form, "upheld": "unknown"})
    assert response.status_code == 302, response.context["form"].errors
    complaint = Complaint.objects.get()
    response = client.post(
        f"/records/complaints/{complaint.pk}/edit/", {**form, "upheld": "true", "closed_on": "2026-09-01"}
    )
    assert "The closing day is before the day it was received." in response.content.decode()
    client.post(f"/records/complaints/{complaint.pk}/edit/", {**form, "upheld": "true"})
    assert AuditEvent.objects.get(action="updated").changes == {"upheld": [None, True]}
    page = client.get(f"/records/complaints/{complaint.pk}/").content.decode()
    assert "CMP-7" in page and "upheld: – → True" in page
    duplicate = client.post(
        "/records/complaints/new/",
        {
            "contract": world.contract.pk,
            "reference": "CMP-7",
            "kind": "concern",
            "received_on": "2026-09-04",
            "summary": "x",
        },
    )
    assert "This is already recorded (reference CMP-7)." in duplicate.content.decode()


def test_a_form_cannot_use_another_providers_contract(world, login):
    other = ContractFactory()
    response = login(world.user).post(
        "/records/voids/new/",
        {
            "contract": other.pk,
            "scheme": world.scheme.pk,
            "flat": "1",
            "status": "actual",
            "start_date": "2026-09-01",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Void.objects.count() == 0


def test_the_api_writes_reads_and_takes_bulk(world, api_client, django_assert_max_num_queries):
    _user, key = api_token_for(world.contract.provider, scopes=["provider_record"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post(
        "/api/v1/alarm-calls/",
        {
            "contract": world.contract.pk,
            "scheme": world.scheme.pk,
            "flat": "3",
            "raised_at": "2026-09-01 02:10",
            "responded_at": "2026-09-01 02:16",
            "outcome": "attended",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["is_overnight"] is True and response.json()["response_seconds"] == 360
    other = ContractFactory()
    refused = api_client.post(
        "/api/v1/alarm-calls/",
        {
            "contract": other.pk,
            "scheme": world.scheme.pk,
            "raised_at": "2026-09-01 02:10",
            "outcome": "attended",
        },
        format="json",
    )
    assert refused.status_code == 404
    bulk = api_client.post("/api/v1/nomination-decisions/bulk/", GOOD["nominations"], format="json")
    assert bulk.status_code == 200 and bulk.json()["new"] == 2
    assert NominationDecision.objects.get(applicant_reference="N-1").assessed_care_hours_per_week == Decimal(
        "10.50"
    )
    bad = api_client.post(
        "/api/v1/nomination-decisions/bulk/",
        [{**GOOD["nominations"][1], "reason": ""}],
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "reason"
    with django_assert_max_num_queries(6 + ACCESS_LOG_QUERIES):
        assert api_client.get("/api/v1/alarm-calls/").status_code == 200


def test_lists_and_pages(world, login, django_assert_max_num_queries):
    for kind, items in GOOD.items():
        run(world.user, kind, items)
    client = login(world.user)
    assert client.get("/records/").status_code == 200
    for slug in (
        "alarm-calls",
        "complaints",
        "safeguarding",
        "surveys",
        "voids",
        "nominations",
        "activities",
        "attendance",
    ):
        with django_assert_max_num_queries(10):
            assert client.get(f"/records/{slug}/").status_code == 200
    call = AlarmCall.objects.first()
    assert client.get(f"/records/alarm-calls/{call.pk}/").status_code == 200
    assert client.get("/records/alarm-calls/?date_from=2026-09-02").context["paginator"].count == 1
