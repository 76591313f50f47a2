"""A provider uploads a spreadsheet of visits: the check names the bad row and saves nothing; the
corrected file shows its preview and imports; a visit is then recorded by form; the council sees
them. Screenshots in var/screenshots/visits-*.png."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.visits.helpers import csv_of, row_on, setup
from visits.models import Visit

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    s = setup(reference="ISO-000123")
    s.order.service_user.name = "Margaret Thurlow"
    s.order.service_user.save()
    s.staff_user.first_name, s.staff_user.last_name = "Liam", "Carter"
    s.staff_user.save()
    return s


def _rows(bad: bool):
    rows = []
    for day in (1, 2, 3):
        d = dt.date(2026, 4, day)
        rows.append(
            row_on(
                f"{d}",
                "08:00",
                "08:45",
                "08:03",
                "08:41",
                order_reference="ISO-000123",
                carer_reference="C1" if not (bad and day == 3) else "C9",
            )
        )
    rows.append(
        row_on(
            "2026-04-03",
            "12:30",
            "13:00",
            order_reference="ISO-000123",
            status="cancelled_short_notice",
            cancelled_at="2026-04-03 09:10",
            cancellation_reason="Family visiting",
        )  # fmt: skip
    )
    return rows


def test_upload_with_preview_then_form_entry(page, world, screenshot, tmp_path, sign_in):
    sign_in(page, world.staff_user.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits").click()
    page.get_by_role("navigation", name="Visits").get_by_role("link", name="Upload visits").click()
    expect(page.get_by_role("heading", name="Upload visits")).to_be_visible()

    bad = tmp_path / "april-visits.csv"
    bad.write_bytes(csv_of(_rows(bad=True)))
    page.get_by_label("Spreadsheet").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert")
    assert "1 row rejected: nothing has been saved" in alert.first.inner_text()
    problems = page.get_by_role("table", name="Problems, by row").inner_text()
    assert "4" in problems and "No member of your staff has the reference C9." in problems
    screenshot(page, "visits-upload-rejected")
    assert Visit.objects.count() == 0

    good = tmp_path / "april-visits-corrected.csv"
    good.write_bytes(csv_of(_rows(bad=False)))
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Spreadsheet").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "Rows read\t4" in summary and "New\t4" in summary and "Rejected\t0" in summary
    screenshot(page, "visits-upload-preview")
    page.get_by_role("button", name="Import 4 new and 0 updated").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    screenshot(page, "visits-upload-imported")
    assert Visit.objects.count() == 4

    # One more visit, by form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits").click()
    page.get_by_role("link", name="Record a visit").click()
    page.get_by_label("Order").select_option(label=str(world.order))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("What happened").select_option("completed")
    # GOV.UK date boxes and a time; a whole date typed into the day box is read too.
    _when(page, "Scheduled start", "04", "04", "2026", "08:00")
    _when(page, "Scheduled end", "4", "4", "2026", "08:45")
    _when(page, "Actual start", "04/04/2026 08:02", "", "", "")
    _when(page, "Actual end", "04", "04", "2026", "07:50")
    expect(page.get_by_role("group", name="When the person cancelled")).to_be_hidden()  # not for completed
    page.get_by_label("Carer's staff reference", exact=True).fill("C1")
    page.get_by_role("button", name="Save the visit").click()
    assert "The actual end must be after the actual start." in page.get_by_role("alert").inner_text()
    screenshot(page, "visits-form-error")
    page.get_by_role("group", name="Actual end").get_by_label("Time").fill("08:44")
    page.get_by_role("button", name="Save the visit").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Visit on 04 April 2026 at 08:00")).to_be_visible()
    assert "The visit is recorded." in page.get_by_text("The visit is recorded.").inner_text()
    screenshot(page, "visits-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits").click()
    page.get_by_label("From").fill("2026-04-01")
    page.get_by_label("To").fill("2026-04-30")
    page.get_by_role("button", name="Show visits").click()
    expect(page.get_by_text("5 visits")).to_be_visible()
    screenshot(page, "visits-list")


def _when(page, legend, day, month, year, time):
    group = page.get_by_role("group", name=legend)
    for label, value in (("Day", day), ("Month", month), ("Year", year), ("Time", time)):
        group.get_by_label(label, exact=True).fill(value)
