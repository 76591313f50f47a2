"""The upload template (a "Visits" sheet with dropdowns, a "Guidance" tab, optionally the period's
visits still to record) read back with openpyxl and uploaded; the list's export and page numbers;
the form's pre-filled times and "save and record another"."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine

from tests.packages_of_care.factories import add_version
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import NOW, setup
from visits.models import Visit, VisitStatus
from visits.services import expected_visits_generate

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):  # 12:00 BST, Friday 1 May 2026
        yield


def _book(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def _validations(sheet):
    return {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in sheet.data_validations.dataValidation}


def test_the_template_has_a_named_sheet_dropdowns_and_guidance(login):
    s = setup()
    book = _book(login(s.staff_user).get("/visits/upload/template.xlsx"))
    assert book.sheetnames == ["Visits", "Guidance"]
    sheet = book["Visits"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["order_reference", "scheduled_start", "scheduled_end"]
    assert sheet.max_row == 3  # the two examples
    letters = {name: openpyxl.utils.get_column_letter(i + 1) for i, name in enumerate(header)}
    found = _validations(sheet)
    assert found[letters["status"]] == (
        '"scheduled,completed,shortened_by_service_user,aborted,cancelled_short_notice,cancelled_with_notice,missed"'
    )
    assert found[letters["verification"]] == '"ecm,manual"'
    assert set(found) == {letters[n] for n in ("status", "verification", "manual_reason", "time_critical")}
    guidance = [row[0] for row in book["Guidance"].iter_rows(values_only=True)]
    assert guidance[0] == "How to fill in the Visits sheet" and "status" in guidance


def test_the_template_filled_with_the_periods_visits_uploads_back(login):
    s = setup()
    add_version(s.order, dt.date(2026, 4, 27), "1.5", schedule=[(0, dt.time(8), 45), (4, dt.time(9), 45)])
    expected_visits_generate(start=dt.date(2026, 4, 27), days=7)  # Mon 27 Apr 08:00, Fri 1 May 09:00
    client = login(s.staff_user)
    book = _book(client.get("/visits/upload/template.xlsx", {"from": "2026-04-27", "to": "2026-05-03"}))
    sheet = book["Visits"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = [c.value for c in sheet[1]]
    assert [(r[0], r[1], r[header.index("status")]) for r in rows] == [
        ("ISO-1", "2026-04-27 08:00", "scheduled"),
        ("ISO-1", "2026-05-01 09:00", "scheduled"),
    ]
    # The provider completes the rows and uploads the workbook: the expected visits are confirmed.
    for number, (start, end) in enumerate(
        [("2026-04-27 08:02", "2026-04-27 08:44"), ("2026-05-01 09:00", "2026-05-01 09:40")], start=2
    ):
        sheet.cell(number, header.index("actual_start") + 1, start)
        sheet.cell(number, header.index("actual_end") + 1, end)
        sheet.cell(number, header.index("carer_reference") + 1, "C1")
        sheet.cell(number, header.index("status") + 1, "completed")
    out = io.BytesIO()
    book.save(out)
    from portal.uploads.files import read_table
    from portal.uploads.resource import submit
    from visits.visit_uploads import VISITS

    outcome = submit(
        VISITS,
        read_table(VISITS, out.getvalue(), "visits.xlsx"),
        actor=s.staff_user,
        source="upload",
        dry_run=False,
    )
    assert outcome.ok, outcome.problems
    assert (outcome.new, outcome.updated) == (0, 2)
    assert list(
        Visit.objects.order_by("scheduled_start").values_list("status", "carer_reference", "actual_minutes")
    ) == [
        ("completed", "C1", 42),
        ("completed", "C1", 40),
    ]


def test_a_period_longer_than_31_days_gives_the_plain_template(login):
    s = setup()
    book = _book(
        login(s.staff_user).get("/visits/upload/template.xlsx", {"from": "2026-04-01", "to": "2026-06-01"})
    )
    assert book["Visits"].max_row == 3


def test_the_list_opens_on_recent_visits_numbers_its_pages_and_exports(login):
    s = setup()
    for i in range(120):  # 1 April to 30 April is before the last four weeks only in part
        VisitFactory(
            order=s.order,
            scheduled_start=at(dt.date(2026, 4, 4), 6) + dt.timedelta(hours=i),
            minutes=30,
            carer_reference=f"C{i % 3 + 1}",
        )
    client = login(s.staff_user)
    page = client.get("/visits/").content.decode()
    # 4 April 06:00 + 120 hours runs to 9 April 05:00; the last four weeks start 4 April.
    assert "120 visits, page 1 of 3." in page
    assert 'aria-label="Page 3"' in page and 'aria-current="page">1<' in page
    export = client.get("/visits/export.csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["order_reference", "person", "provider", "scheduled_start"]
    assert len(rows) == 121
    assert rows[1][0] == "ISO-1" and rows[1][3] == "2026-04-09 05:00"  # latest first


def test_the_form_prefills_the_schedules_visit_and_records_another(login):
    s = setup()
    add_version(s.order, dt.date(2026, 4, 27), "1.5", schedule=[(4, dt.time(9), 45), (4, dt.time(17), 30)])
    expected_visits_generate(start=dt.date(2026, 5, 1), days=1)
    client = login(s.staff_user)
    url = f"/visits/orders/{s.order.pk}/new/"
    page = client.get(url).content.decode()
    # The 09:00 visit is due (it is 12:00): offered with its scheduled times as the actual times.
    assert 'name="scheduled_start_time"' in page and 'value="09:00"' in page and 'value="09:45"' in page
    assert "Save and record another" in page and "js/visit-form.js" in page
    data = {
        "scheduled_start_day": "1", "scheduled_start_month": "5", "scheduled_start_year": "2026", "scheduled_start_time": "09:00",
        "scheduled_end_day": "1", "scheduled_end_month": "5", "scheduled_end_year": "2026", "scheduled_end_time": "09:45",
        "actual_start_day": "01/05/2026 09:03",
        "actual_end_day": "1", "actual_end_month": "5", "actual_end_year": "2026", "actual_end_time": "9.41",
        "status": "completed", "carer_reference": "C1", "carers": "1", "verification": "ecm", "record_another": "1",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    visit = Visit.objects.get(scheduled_start=at(dt.date(2026, 5, 1), 9))
    assert (visit.status, visit.carer_reference, visit.actual_minutes) == (VisitStatus.COMPLETED, "C1", 38)
    assert Visit.objects.count() == 2  # the expected visit was confirmed, not doubled
    # Next: the 17:00 visit is offered, still to come, with no actual times.
    page = client.get(url).content.decode()
    times = dict(re.findall(r'name="(\w+_time)" id="\w+"(?: value="([^"]*)")?', page))
    assert times == {
        "scheduled_start_time": "17:00",
        "scheduled_end_time": "17:30",
        "actual_start_time": "",
        "actual_end_time": "",
        "cancelled_at_time": "",
    }


def test_without_generated_visits_the_form_reads_the_schedule_itself(login):
    s = setup()
    add_version(s.order, dt.date(2026, 4, 27), "1.5", schedule=[(4, dt.time(10), 30), (4, dt.time(19), 30)])
    page = login(s.staff_user).get(f"/visits/orders/{s.order.pk}/new/").content.decode()
    times = dict(re.findall(r'name="(\w+_time)" id="\w+"(?: value="([^"]*)")?', page))
    # 12:00 on Friday: the 10:00 visit is due, offered with its scheduled times as the actual times.
    assert times["scheduled_start_time"] == "10:00" and times["actual_end_time"] == "10:30"
