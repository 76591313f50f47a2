"""The pages and documents: what each side sees and does, the "how this was worked out" page, the
three documents as CSV, XLSX and PDF, and query counts that do not grow with the invoice."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from invoicing import services
from invoicing.models import Invoice, InvoiceStatus, LineKind
from portal.roles import Role
from tests.factories import user_for
from tests.invoicing.conftest import P_START, daily_visits, on
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(order, hourly_contract):
    daily_visits(order, P_START, 28, 90)
    return services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_provider_sees_its_invoice_and_can_submit_it(invoice, login, provider_manager):
    client = login(provider_manager)
    page = client.get("/invoicing/").content.decode()
    assert invoice.number in page and "Generate an invoice" in page
    detail = client.get(invoice.get_absolute_url()).content.decode()
    assert "Submit the invoice" in detail and "£9,517.76" in detail and "£10,441.76" in detail
    with on(dt.date(2026, 5, 27)):
        response = client.post(f"/invoicing/{invoice.pk}/submit/", {})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.SUBMITTED


def test_a_late_submission_form_asks_why(invoice, login, provider_manager):
    client = login(provider_manager)
    with on(dt.date(2026, 6, 15)):
        assert "Why is the invoice late?" in client.get(f"/invoicing/{invoice.pk}/submit/").content.decode()
        response = client.post(f"/invoicing/{invoice.pk}/submit/", {})
        assert response.status_code == 200 and "say why it is late" in response.content.decode()
        client.post(f"/invoicing/{invoice.pk}/submit/", {"late_reason": "Waiting for ECM data"})
    assert Invoice.objects.get(pk=invoice.pk).late_reason == "Waiting for ECM data"


def test_the_council_disputes_a_line_approves_the_rest_and_pays(invoice, login, commissioner_user):
    line = invoice.lines.order_by("position")[2]
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    client = login(commissioner_user)
    with on(dt.date(2026, 6, 1)):
        form = client.get(f"/invoicing/{invoice.pk}/dispute/").content.decode()
        assert f'name="dispute_{line.pk}"' in form
        missing = client.post(f"/invoicing/{invoice.pk}/dispute/", {f"dispute_{line.pk}": "on"})
        assert missing.status_code == 200 and "Give a reason for disputing line 3" in missing.content.decode()
        unconfirmed = client.post(
            f"/invoicing/{invoice.pk}/dispute/",
            {f"dispute_{line.pk}": "on", f"reason_{line.pk}": "Not evidenced"},
        )
        assert "Confirm that the invoice is to be split" in unconfirmed.content.decode()
        assert not Invoice.objects.filter(parent=invoice).exists()
        response = client.post(
            f"/invoicing/{invoice.pk}/dispute/",
            {f"dispute_{line.pk}": "on", f"reason_{line.pk}": "Not evidenced", "confirm": "on"},
        )
        undisputed = Invoice.objects.get(parent=invoice, part="U")
        assert response.status_code == 302 and response["Location"] == undisputed.get_absolute_url()
        client.post(f"/invoicing/{undisputed.pk}/approve/")
        response = client.post(
            f"/invoicing/{undisputed.pk}/pay/", {"paid_on": "2026-06-01", "payment_reference": "BACS-77"}
        )
    undisputed.refresh_from_db()
    assert undisputed.status == InvoiceStatus.PAID
    assert response["Location"] == undisputed.remittance.get_absolute_url()
    advice = client.get(response["Location"]).content.decode()
    assert "BACS-77" in advice and f"£{undisputed.gross_total:,.2f}" in advice
    pdf = client.get(f"/invoicing/remittances/{undisputed.remittance.pk}/pdf/")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "BACS-77" in text
    # The council sends the remittance advice: from the council, to the provider.
    assert text.index("From (council)") < text.index("Test County Council") < text.index("To (provider)")
    assert text.index("To (provider)") < text.index("Test Care Ltd")
    parent_page = client.get(invoice.get_absolute_url()).content.decode()
    assert undisputed.number in parent_page and f"{invoice.number}-D" in parent_page


def test_how_a_line_was_worked_out(order, hourly_contract, login, provider_staff):
    # Week 1: five short-notice cancellations in a row (Mon–Fri) and a completed visit on Saturday.
    for i in range(5):
        VisitFactory(
            order=order,
            scheduled_start=at(P_START + dt.timedelta(days=i), 8),
            minutes=60,
            status=VisitStatus.CANCELLED_SHORT_NOTICE,
        )
    VisitFactory(order=order, scheduled_start=at(P_START + dt.timedelta(days=5), 8), minutes=60)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    line = invoice.lines.get(position=1)
    assert (line.delivered_minutes, line.paid_not_delivered_minutes, line.quantity) == (60, 180, D("4.00"))
    page = login(provider_staff).get(line.get_absolute_url()).content.decode()
    assert "Not paid: cancellation 4 in a row (the 4th or later)" in page
    assert "Not paid: cancellation 5 in a row" in page
    assert "Paid, not delivered: 60 min (cancellation 3 in a row)" in page
    assert "4.00 hours × £22.00" in page and "£88.00" in page


def test_documents_as_csv_xlsx_and_pdf(invoice, login, provider_manager):
    client = login(provider_manager)
    rows = _csv(client.get(f"/invoicing/{invoice.pk}/schedule.csv"))
    assert rows[0][0] == "Line" and len(rows) == 1 + invoice.lines.count()
    assert sum(D(r[15]) for r in rows[1:]) == invoice.net_total
    summary = _csv(client.get(f"/invoicing/{invoice.pk}/summary.csv"))
    assert summary[-1][0] == "Total" and D(summary[-1][4]) == invoice.net_total
    assert summary[1][2:4] == ["42.00", "hours"] and summary[2][2:4] == [
        "392.00",
        "hours",
    ]  # 4 × 10.50 h; 98 h × 4
    monitoring = _csv(client.get(f"/invoicing/{invoice.pk}/call-monitoring.csv"))
    assert len(monitoring) == 1 + 28 and monitoring[1][10] == "Completed"
    workbook = load_workbook(io.BytesIO(client.get(f"/invoicing/{invoice.pk}/schedule.xlsx").content))
    sheet = workbook.active
    assert sheet.max_row == 1 + invoice.lines.count()
    pdf = client.get(f"/invoicing/{invoice.pk}/summary.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for expected in (invoice.number, "Test Care Ltd", "Test County Council", "8 June 2026", "£10,441.76"):
        assert expected in text
    schedule_pdf = PdfReader(io.BytesIO(client.get(f"/invoicing/{invoice.pk}/schedule.pdf").content))
    assert "Invoice detail schedule" in schedule_pdf.pages[0].extract_text()


HYPERLINK = '=HYPERLINK("http://evil.example","Click")'


def test_text_typed_into_the_portal_comes_out_of_every_document_as_text(invoice, login, provider_manager):
    """A name, a dispute reason and a carer's reference typed as formulas stay text in the schedule
    and the call monitoring return, as CSV and as XLSX; amounts stay numbers."""
    person = invoice.lines.exclude(order=None).first().order.service_user
    person.name = HYPERLINK
    person.save(update_fields=["name"])
    invoice.lines.update(disputed=True, dispute_reason="+cmd|' /C calc'!A0")
    invoice.lines.first().order.visits.update(carer_reference="@SUM(1+1)")
    client = login(provider_manager)
    schedule = _csv(client.get(f"/invoicing/{invoice.pk}/schedule.csv"))
    assert schedule[1][4] == "'" + HYPERLINK and schedule[1][19] == "'+cmd|' /C calc'!A0"
    monitoring = _csv(client.get(f"/invoicing/{invoice.pk}/call-monitoring.csv"))
    assert monitoring[1][2] == "'" + HYPERLINK and monitoring[1][11] == "'@SUM(1+1)"
    for document, column in (("schedule", 5), ("call-monitoring", 3)):
        sheet = load_workbook(
            io.BytesIO(client.get(f"/invoicing/{invoice.pk}/{document}.xlsx").content)
        ).active
        cell = sheet.cell(row=2, column=column)
        assert (cell.data_type, cell.value) == ("s", "'" + HYPERLINK), document
    net = load_workbook(io.BytesIO(client.get(f"/invoicing/{invoice.pk}/schedule.xlsx").content)).active["P2"]
    assert net.data_type == "n"


def test_pages_do_not_grow_queries_with_lines(
    hourly_contract, login, provider_manager, django_assert_max_num_queries
):
    for _ in range(12):
        order = OrderFactory(contract=hourly_contract, weekly_hours=D("7"), start_date=dt.date(2026, 4, 1))
        daily_visits(order, P_START, 4, 60, status=VisitStatus.CANCELLED_SHORT_NOTICE)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    client = login(provider_manager)
    for url in (
        "/invoicing/",
        invoice.get_absolute_url(),
        f"/invoicing/{invoice.pk}/schedule/",
        f"/invoicing/{invoice.pk}/call-monitoring/",
        f"/invoicing/{invoice.pk}/dispute/",
    ):
        with django_assert_max_num_queries(25):
            response = client.get(url)
        assert response.status_code in (200, 403), url


def test_a_dorset_invoice_page_lists_flagged_packages(package_contract, login, commissioner_user):
    order = OrderFactory(
        contract=package_contract,
        weekly_hours=D("14"),
        weekly_price=D("350.00"),
        start_date=dt.date(2026, 4, 1),
    )
    invoice = services.invoice_generate(contract_id=package_contract.pk, period_start=P_START).invoice
    page = login(commissioner_user).get(invoice.get_absolute_url()).content.decode()
    assert "Packages flagged for review" in page and order.reference in page
    assert invoice.lines.filter(kind=LineKind.PACKAGE).count() == 4 and invoice.net_total == D("1400.00")


def test_the_council_decides_a_block_review_and_sees_hours_used(
    block_contract, block_orders, login, commissioner_user
):
    invoice = services.invoice_generate(
        contract_id=block_contract.pk, period_start=dt.date(2026, 4, 1)
    ).invoice
    review = block_contract.block_reviews.get()
    client = login(commissioner_user)
    page = client.get(review.get_absolute_url()).content.decode()
    # Block volume 10 h; average (10 + 5) h: +50.00%, proposing 15 h × 13 × £22.35 = £4,358.25.
    assert "Updated block proposed" in page and "£4,358.25" in page and "+50.00%" in page
    response = client.post(review.get_absolute_url(), {"decision": "reject"})
    assert response.status_code == 200 and "Say why" in response.content.decode()
    client.post(review.get_absolute_url(), {"decision": "accept", "effective_from": "2026-04-01"})
    review.refresh_from_db()
    assert (review.outcome, review.effective_from) == ("accepted", dt.date(2026, 4, 1))
    invoice.refresh_from_db()
    assert invoice.net_total == D("4358.25")
    volumes = client.get(f"/invoicing/contracts/{block_contract.pk}/block-volumes/").content.decode()
    assert "Block-volume review accepted" in volumes and "15.00" in volumes and "Agreed at award" in volumes
    usage = client.get(f"/invoicing/{invoice.pk}/hours-used/").content.decode()
    assert "Hours used and not used" in usage


def test_terms_are_set_by_the_council_only(hourly_contract, login, commissioner_user, provider_manager):
    url = f"/invoicing/contracts/{hourly_contract.pk}/terms/"
    assert login(provider_manager).get(url).status_code == 403
    client = login(commissioner_user)
    assert client.get(url).status_code == 200
    data = {
        "vat_code": "exempt",
        "submission_working_days": "15",
        "submission_due_basis": "period_end",
        "payment_days": "30",
        "tolerance_percent": "20",
        "package_tolerance_hours": "5",
        "block_review_threshold_percent": "5",
        "block_review_months": "6",
        "block_weeks_per_quarter": "13",
    }
    assert client.post(url, data).status_code == 302
    assert hourly_contract.invoicing_terms.submission_working_days == 15


def test_generating_from_the_page(hourly_contract, order, login, provider_manager):
    client = login(provider_manager)
    response = client.post("/invoicing/generate/", {"contract": hourly_contract.pk, "day": "2026-05-01"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    assert invoice.period_start == P_START
    stranger = user_for(hourly_contract.commissioner, Role.BROKERAGE)
    assert (
        login(stranger)
        .post("/invoicing/generate/", {"contract": hourly_contract.pk, "day": "2026-05-01"})
        .status_code
        == 403
    )


def test_the_council_records_a_block_volume_on_its_screen(
    block_contract, login, commissioner_user, provider_manager
):
    url = f"/invoicing/contracts/{block_contract.pk}/block-volumes/new/"
    assert login(provider_manager).get(url).status_code == 403
    client = login(commissioner_user)
    response = client.post(
        url, {"effective_from": "2026-07-01", "weekly_hours": "12.5", "note": "Agreed by letter"}
    )
    assert response.status_code == 302
    assert block_contract.block_volumes.get(effective_from=dt.date(2026, 7, 1)).weekly_hours == D("12.50")
    page = client.get(f"/invoicing/contracts/{block_contract.pk}/block-volumes/").content.decode()
    assert "Agreed by letter" in page and "Agreed with the provider" in page


def test_the_block_line_explains_the_volume_and_the_invoice_shows_the_hold(
    block_contract, block_orders, login, provider_manager
):
    invoice = services.invoice_generate(
        contract_id=block_contract.pk, period_start=dt.date(2026, 4, 1)
    ).invoice
    client = login(provider_manager)
    line = invoice.lines.get()
    page = client.get(f"/invoicing/lines/{line.pk}/").content.decode()
    # 10 h × 13 = 130 h × £22.35 = £2,905.50; the review (15 h against 10 h) is +50.00%.
    assert "block volume</a> in force" in page and "£2,905.50" in page and "+50.00%" in page
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Payment follows monitoring" in page and "has not been submitted" in page


def test_nothing_chosen_splits_nothing_even_with_lines_carried_as_disputed(invoice, login, commissioner_user):
    carried = invoice.lines.order_by("position")[0]
    carried.__class__.objects.filter(pk=carried.pk).update(disputed=True, dispute_reason="Over tolerance")
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    client = login(commissioner_user)
    with on(dt.date(2026, 6, 1)):
        response = client.post(f"/invoicing/{invoice.pk}/dispute/", {"confirm": "on"})
    assert response.status_code == 200 and "Choose at least one line to dispute" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SUBMITTED and not Invoice.objects.filter(parent=invoice).exists()


def test_dispute_lines_is_not_offered_after_the_30_day_window(invoice, login, commissioner_user):
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    invoice.refresh_from_db()
    client = login(commissioner_user)
    dispute_url = f"/invoicing/{invoice.pk}/dispute/"
    # Received 27 May 2026: the window runs 30 days, to 26 June.
    with on(dt.date(2026, 6, 26)):
        assert dispute_url in client.get(invoice.get_absolute_url()).content.decode()
    with on(dt.date(2026, 6, 27)):
        page = client.get(invoice.get_absolute_url()).content.decode()
        assert dispute_url not in page and "ended on 26 June 2026" in page
        line = invoice.lines.order_by("position")[0]
        late = client.post(
            dispute_url, {f"dispute_{line.pk}": "on", f"reason_{line.pk}": "x", "confirm": "on"}
        )
    assert late.status_code == 200 and "within 30 days of receipt" in late.content.decode()
    assert not Invoice.objects.filter(parent=invoice).exists()


def test_summary_headers_match_its_columns_and_minutes_are_plain_numbers(invoice, login, provider_manager):
    line = invoice.lines.order_by("position")[0]
    line.__class__.objects.filter(pk=line.pk).update(retainer_minutes=D("600.00"))
    client = login(provider_manager)
    summary = _csv(client.get(f"/invoicing/{invoice.pk}/summary.csv"))
    assert all(len(row) == len(summary[0]) for row in summary)
    assert summary[0][2:5] == ["Payable quantity", "Unit", "Net amount"]
    assert D(summary[-1][summary[0].index("Net amount")]) == invoice.net_total
    schedule = _csv(client.get(f"/invoicing/{invoice.pk}/schedule.csv"))
    retainer = schedule[0].index("Retainer (min)")
    assert schedule[1][retainer] == "600"  # not 6E+2
    workbook = load_workbook(io.BytesIO(client.get(f"/invoicing/{invoice.pk}/summary.xlsx").content))
    header = [cell.value for cell in workbook.active[1]]
    assert header[3] == "Unit" and workbook.active.max_column == len(header)


def test_the_documents_carry_what_a_finance_office_needs(invoice, login, provider_manager, commissioner_user):
    provider, council = invoice.provider, invoice.commissioner
    provider.bank_account_name, provider.bank_sort_code, provider.bank_account_number = (
        "Test Care Ltd",
        "20-45-77",
        "41632907",
    )
    provider.save()
    council.invoice_address = "Accounts Payable\nCounty Hall"
    council.save()
    client = login(commissioner_user)
    assert (
        client.post(
            f"/schemes/contracts/{invoice.contract_id}/change/",
            {
                "title": "",
                "notice_period_days": 90,
                "late_visit_minutes": 30,
                "late_visit_minutes_time_critical": 15,
                "purchase_order_number": "PO-77120",
            },
        ).status_code
        == 302
    )
    pdf = login(provider_manager).get(f"/invoicing/{invoice.pk}/summary.pdf")
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    for expected in (
        "Not registered for VAT",
        "Accounts Payable",
        "Purchase order",
        "PO-77120",
        "sort code 20-45-77, account 41632907",
    ):
        assert expected in text, text
