"""Pages: the returns list, the quarter table with RAG in words, the trend chart and its table,
the review forms, the records behind a figure, and the export — each with a query-count guard."""

import csv
import io

import openpyxl
import pytest

from kpis import services
from kpis.models import KpiReturn, ReturnStatus
from kpis.quarters import Quarter
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import user_for
from tests.kpis.factories import contract_with_kpis, derby_with_calls

pytestmark = pytest.mark.django_db


@pytest.fixture
def derby():
    contract = derby_with_calls((0, 12), (120, 2))
    for quarter in Quarter(2026, 2).last(3):
        services.returns_compute_for_provider(provider=contract.provider, quarter=quarter)
    return contract


def test_quarter_table_shows_rag_in_words(login, derby, django_assert_max_num_queries):
    client = login(user_for(derby.commissioner, Role.COMMISSIONER))
    with django_assert_max_num_queries(20):
        response = client.get("/kpis/table/", {"contract": derby.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'portal-rag portal-rag--red">Red<' in html and "50%" in html  # D1: 1 of 2 within 10 minutes
    assert "2026-Q2" in html and "2025-Q3" in html and "2025-Q2" not in html  # the last 4 quarters across


def test_trend_chart_is_svg_with_a_table_of_the_same_figures(login, derby, django_assert_max_num_queries):
    client = login(user_for(derby.provider, Role.PROVIDER_STAFF))
    d1 = derby.lot.kpi_definitions.get(code="D1")
    with django_assert_max_num_queries(20):
        response = client.get(f"/kpis/definitions/{d1.pk}/trend/", {"contract": derby.pk})
    html = response.content.decode()
    assert '<svg class="portal-chart" role="img"' in html and "<desc" in html and "Target 90%" in html
    assert 'id="trend-table"' in html and html.count("No return") == 5  # 3 quarters computed of 8


def test_returns_list_and_detail(login, derby, django_assert_max_num_queries):
    client = login(user_for(derby.provider, Role.PROVIDER_MANAGER))
    with django_assert_max_num_queries(20):
        assert client.get("/kpis/").status_code == 200
    r = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    with django_assert_max_num_queries(25):
        html = client.get(r.get_absolute_url()).content.decode()
    assert "Submit the return" in html and "Enter figures and commentary" in html


def test_provider_enters_submits_council_queries_provider_answers_council_accepts(client, derby):
    r = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    d3 = r.values.get(definition__code="D3")
    d1 = r.values.get(definition__code="D1")
    manager, council = (
        user_for(derby.provider, Role.PROVIDER_MANAGER),
        user_for(derby.commissioner, Role.COMMISSIONER),
    )
    client.force_login(manager)
    data = {
        "commentary": "Quiet quarter",
        f"figure_{d3.pk}": "All positive",
        f"commentary_{d1.pk}": "One late answer",
    }
    response = client.post(f"/kpis/returns/{r.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    response = client.post(f"/kpis/returns/{r.pk}/submit/", follow=True)
    assert "submitted to the council" in response.content.decode(), response.content.decode()[-3000:]
    r.refresh_from_db()
    assert r.status == ReturnStatus.SUBMITTED and r.commentary == "Quiet quarter"
    assert client.post(f"/kpis/returns/{r.pk}/accept/").status_code == 403  # the provider cannot accept

    client.force_login(council)
    response = client.post(f"/kpis/returns/{r.pk}/query/", {})
    assert "Write a query on at least one KPI" in response.content.decode()
    client.post(f"/kpis/returns/{r.pk}/query/", {f"query_{d1.pk}": "Why 12 minutes?"})
    r.refresh_from_db()
    assert r.status == ReturnStatus.QUERIED

    client.force_login(manager)
    page = client.get(f"/kpis/returns/{r.pk}/answer/").content.decode()
    assert "Why 12 minutes?" in page
    client.post(f"/kpis/returns/{r.pk}/answer/", {f"answer_{d1.pk}": "The carer was with another resident."})
    client.force_login(council)
    client.post(f"/kpis/returns/{r.pk}/accept/")
    r.refresh_from_db()
    assert r.status == ReturnStatus.ACCEPTED
    assert list(AuditEvent.objects.for_object(r).order_by("id").values_list("action", flat=True)) == [
        "computed",
        "commentary",
        "submitted",
        "queried",
        "resubmitted",
        "accepted",
    ]


def test_recompute_button_is_audited(client, derby):
    r = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    client.force_login(user_for(derby.commissioner, Role.COMMISSIONER))
    response = client.post(f"/kpis/returns/{r.pk}/recompute/", follow=True)
    assert "nothing has changed" in response.content.decode()
    assert AuditEvent.objects.for_object(r).filter(action="recomputed").count() == 1


def test_records_behind_a_figure(login, derby, django_assert_max_num_queries):
    r = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    d1 = r.values.get(definition__code="D1", scheme__isnull=False)
    client = login(user_for(derby.commissioner, Role.COMMISSIONER))
    with django_assert_max_num_queries(15):
        html = client.get(f"/kpis/values/{d1.pk}/records/").content.decode()
    assert "2 alarm calls" in html and html.count("<strong>Yes</strong>") == 1 and "12:00" in html


def test_export_csv_and_xlsx_hold_only_the_users_figures(login, derby):
    other = contract_with_kpis("norfolk")
    services.returns_compute_for_provider(provider=other.provider, quarter=Quarter(2026, 2))
    client = login(user_for(derby.commissioner, Role.COMMISSIONER))
    csv_text = client.get("/kpis/export/", {"format": "csv", "quarter": "2026-Q2"}).content.decode()
    assert csv_text.splitlines()[0].startswith("commissioner,provider,contract")
    assert derby.reference in csv_text and other.reference not in csv_text
    xlsx = client.get("/kpis/export/", {"format": "xlsx", "quarter": "2026-Q2"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    codes = {row[8] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {"D1", "D2", "D3", "D4"}


def test_commentary_typed_as_a_formula_is_exported_as_text(login, derby):
    from kpis.models import KpiValue

    typed = '=HYPERLINK("http://evil.example","Click")'
    KpiValue.objects.filter(kpi_return__contract=derby).update(commentary=typed)
    client = login(user_for(derby.commissioner, Role.COMMISSIONER))
    csv_text = client.get("/kpis/export/", {"format": "csv", "quarter": "2026-Q2"}).content.decode()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows and {r["commentary"] for r in rows} == {"'" + typed}
    xlsx = client.get("/kpis/export/", {"format": "xlsx", "quarter": "2026-Q2"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    column = [c.value for c in sheet[1]].index("commentary")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert cells and {(c.data_type, c.value) for c in cells} == {("s", "'" + typed)}


def test_compute_a_quarter_from_the_page(client, derby):
    client.force_login(user_for(derby.provider, Role.PROVIDER_MANAGER))
    response = client.post("/kpis/compute/", {"quarter": "2025-Q4"}, follow=True)
    assert "are being computed" in response.content.decode(), response.content.decode()[-2000:]
    # on_commit runs after the test transaction in real life; eager here via the captured callbacks.
    assert response.redirect_chain[-1][0].endswith("?quarter=2025-Q4")


def test_dashboard_panels_point_each_side_at_its_returns(login, derby, client):
    r = KpiReturn.objects.get(contract=derby, quarter="2026-Q2")
    manager = user_for(derby.provider, Role.PROVIDER_MANAGER)
    client.force_login(manager)
    assert "Returns to complete or answer" in client.get("/").content.decode()
    d3 = r.values.get(definition__code="D3")
    services.value_enter(actor=manager, value=d3, text="Feedback")
    services.return_submit(actor=manager, kpi_return=r)
    client.force_login(user_for(derby.commissioner, Role.COMMISSIONER))
    html = client.get("/").content.decode()
    assert "Returns to review" in html and f"2026-Q2 from {derby.provider.name}" in html
