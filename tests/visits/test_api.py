"""The visits API: cursor-paged list with filters, one visit (404 for another provider's order,
idempotent), corrections, the bulk endpoint (all or nothing, idempotent, dry run) and explanations."""

import datetime as dt

import pytest
import time_machine

from portal.models import AuditEvent
from tests.factories import api_token_for
from tests.helpers import ACCESS_LOG_QUERIES, json_status
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import NOW, row, row_on, setup
from visits.models import Visit, VisitStatus

pytestmark = [pytest.mark.django_db]

ONE = {
    "scheduled_start": "2026-04-01T08:00:00+01:00",
    "scheduled_end": "2026-04-01T08:45:00+01:00",
    "actual_start": "2026-04-01 08:03",
    "actual_end": "2026-04-01 08:41",
    "carer_reference": "C1",
    "status": "completed",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(api_client, organisation, scopes=("provider_record",)):
    _user, key = api_token_for(organisation, scopes=scopes)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_create_then_the_same_again(api_client):
    s = setup()
    client = client_for(api_client, s.provider)
    first = client.post("/api/v1/visits/", {**ONE, "order": s.order.pk}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["scheduled_start"] == "2026-04-01T08:00:00+01:00" and body["actual_minutes"] == 38
    assert body["order_reference"] == "ISO-1" and body["source"] == "api"
    again = client.post("/api/v1/visits/", {**ONE, "order": s.order.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Visit.objects.count() == 1


def test_another_providers_order_is_not_found(api_client):
    s = setup()
    other = OrderFactory()
    client = client_for(api_client, s.provider)
    response = client.post("/api/v1/visits/", {**ONE, "order": other.pk}, format="json")
    assert response.status_code == 404 and Visit.objects.count() == 0


def test_problems_come_back_by_field(api_client):
    s = setup()
    client = client_for(api_client, s.provider)
    response = client.post(
        "/api/v1/visits/",
        {**ONE, "order": s.order.pk, "scheduled_start": "2026-10-25 01:30", "carer_reference": "C9"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "happens twice on the night the clocks go back" in errors["scheduled_start"][0]
    response = client.post(
        "/api/v1/visits/", {**ONE, "order": s.order.pk, "carer_reference": "C9"}, format="json"
    )
    assert response.json()["errors"] == {"carer_reference": ["No member of your staff has the reference C9."]}


def test_a_read_only_key_cannot_write(api_client):
    s = setup()
    client = client_for(api_client, s.provider, scopes=())
    assert client.post("/api/v1/visits/", {**ONE, "order": s.order.pk}, format="json").status_code == 403


def test_a_councils_granted_key_reads_but_does_not_record(api_client):
    s = setup()
    VisitFactory(order=s.order, carer_reference="C1")
    client = client_for(api_client, s.commissioner, scopes=("commission", "broker"))
    assert len(client.get("/api/v1/visits/").json()["results"]) == 1
    assert client.post("/api/v1/visits/", {**ONE, "order": s.order.pk}, format="json").status_code == 403
    assert client.post("/api/v1/visits/bulk/", [row()], format="json").status_code == 403


def test_corrections_are_checked_and_audited(api_client):
    s = setup()
    visit = VisitFactory(
        order=s.order, scheduled_start=at(dt.date(2026, 4, 1), 8), minutes=45, carer_reference="C1"
    )
    client = client_for(api_client, s.provider)
    response = client.patch(f"/api/v1/visits/{visit.pk}/", {"actual_end": "2026-04-01 08:30"}, format="json")
    assert response.status_code == 200 and response.json()["actual_minutes"] == 30
    assert AuditEvent.objects.get(action="updated").changes == {
        "actual_end": ["2026-04-01T07:45:00+00:00", "2026-04-01T07:30:00+00:00"]
    }
    bad = client.patch(f"/api/v1/visits/{visit.pk}/", {"status": "missed"}, format="json")
    assert bad.status_code == 400 and "actual_start" in bad.json()["errors"]


def test_the_list_is_cursor_paged_filtered_and_scoped(api_client, django_assert_max_num_queries):
    s = setup()
    for i in range(30):
        VisitFactory(
            order=s.order,
            scheduled_start=at(dt.date(2026, 4, 1) + dt.timedelta(days=i), 8),
            carer_reference="C1",
        )
    VisitFactory(
        order=s.order,
        scheduled_start=at(dt.date(2026, 4, 2), 12),
        status=VisitStatus.MISSED,
        carer_reference="C2",
    )
    VisitFactory(carer_reference="C1")  # someone else's
    client = client_for(api_client, s.commissioner, scopes=())
    with django_assert_max_num_queries(6 + ACCESS_LOG_QUERIES):
        page = client.get("/api/v1/visits/?page_size=10").json()
    assert len(page["results"]) == 10 and page["next"] and "cursor=" in page["next"]
    assert client.get(page["next"]).status_code == 200
    assert len(client.get("/api/v1/visits/?page_size=100").json()["results"]) == 31
    missed = client.get("/api/v1/visits/?status=missed").json()["results"]
    assert [v["status"] for v in missed] == ["missed"]
    april = client.get(
        "/api/v1/visits/?visit_date_after=2026-04-01&visit_date_before=2026-04-05&page_size=100"
    ).json()
    assert len(april["results"]) == 6
    assert len(client.get("/api/v1/visits/?order_reference=ISO-1&carer_reference=C2").json()["results"]) == 1
    assert client.get("/api/v1/visits/?order=999999").json()["results"] == []


def _bulk(client, items, query=""):
    return client.post(f"/api/v1/visits/bulk/{query}", items, format="json")


def test_bulk_is_all_or_nothing_and_names_each_rejected_item(api_client):
    s = setup()
    OrderFactory(reference="ISO-OTHER")
    client = client_for(api_client, s.provider)
    items = [
        row(),
        row_on("2026-04-02", "08:00", "08:45", "08:00", "08:40", order_reference="ISO-OTHER"),
        row_on("2026-04-03", "08:00", "08:45"),
    ]
    response = _bulk(client, items)
    assert response.status_code == 400
    body = response.json()
    assert body["rejected"] == 2 and body["new"] == 1 and Visit.objects.count() == 0
    assert body["errors"] == [
        {
            "row": 2,
            "field": "order_reference",
            "message": "No order with reference ISO-OTHER that you can record visits against.",
        },
        {
            "row": 3,
            "field": "actual_start",
            "message": "A visit recorded as completed needs its actual start and end.",
        },
    ]


def test_bulk_twice_saves_once(api_client):
    s = setup()
    client = client_for(api_client, s.provider)
    items = [
        row(),
        row_on("2026-04-01", "12:00", "12:30", "12:00", "12:20"),
    ]
    preview = _bulk(client, items, "?dry_run=true").json()
    assert preview["dry_run"] and preview["new"] == 2 and Visit.objects.count() == 0
    first = _bulk(client, items).json()
    assert (first["new"], first["updated"], first["unchanged"]) == (2, 0, 0)
    second = _bulk(client, {"visits": items}).json()
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, 2)
    assert Visit.objects.count() == 2 and AuditEvent.objects.filter(action="recorded").count() == 2


def test_bulk_refuses_what_is_not_a_list_of_visits(api_client):
    s = setup()
    client = client_for(api_client, s.provider)
    assert _bulk(client, {"not": "visits"}).status_code == 400
    unknown = _bulk(client, [{**row(), "colour": "red"}])
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "colour"


def test_explain_by_api(api_client):
    s = setup()
    visit = VisitFactory(order=s.order, status=VisitStatus.MISSED, carer_reference="C1")
    client = client_for(api_client, s.provider)
    response = client.post(
        f"/api/v1/visits/{visit.pk}/explain/", {"explanation": "Ill", "remedy": "Revisited"}, format="json"
    )
    assert response.status_code == 200 and response.json()["missed_explained_at"]
    outsider = client_for(api_client, OrderFactory().provider)
    assert (
        json_status(outsider, f"/api/v1/visits/{visit.pk}/explain/", {"explanation": "x", "remedy": "y"})
        == 404
    )
