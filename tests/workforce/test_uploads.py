"""Staff and training spreadsheets: a dry-run preview, all or nothing, every bad row and column
named (the header is row 1), and the same file twice saves once."""

import datetime as dt
import io

import pytest
import tablib
from django.urls import reverse

from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import ProviderFactory, user_for
from workforce.models import StaffMember, TrainingCompletion
from workforce.resources import UploadError, run_upload

pytestmark = pytest.mark.django_db


def csv_bytes(rows, headers):
    return tablib.Dataset(*rows, headers=headers).export("csv").encode()


STAFF_HEADERS = ["reference", "job_title", "scheme", "started_on", "left_on"]


def staff_rows(n):
    return [(f"WVC-{i:04d}", "Care worker", "Barley Court", "2024-03-04", "") for i in range(1, n + 1)]


def upload(w, kind, content, file_format="csv", dry_run=False):
    return run_upload(
        kind=kind,
        provider=w["provider"],
        actor=w["user"],
        content=content,
        file_format=file_format,
        dry_run=dry_run,
    )


def test_a_dry_run_counts_rows_and_saves_nothing(w):
    summary = upload(w, "staff", csv_bytes(staff_rows(3), STAFF_HEADERS), dry_run=True)
    assert (summary.read, summary.new, summary.updated, summary.unchanged, summary.problems) == (
        3,
        3,
        0,
        0,
        [],
    )
    assert not StaffMember.objects.exists()


def test_the_same_file_twice_saves_once(w):
    content = csv_bytes(staff_rows(5), STAFF_HEADERS)
    first = upload(w, "staff", content)
    assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
    assert StaffMember.objects.filter(provider=w["provider"], scheme=w["scheme"]).count() == 5
    assert AuditEvent.objects.filter(action="created (upload)").count() == 5
    second = upload(w, "staff", content)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 5)
    assert StaffMember.objects.count() == 5 and AuditEvent.objects.count() == 5
    # A changed row updates that person only.
    rows = staff_rows(5)
    rows[2] = ("WVC-0003", "Care worker", "Barley Court", "2024-03-04", "2026-01-31")
    third = upload(w, "staff", csv_bytes(rows, STAFF_HEADERS))
    assert (third.new, third.updated, third.unchanged) == (0, 1, 4)
    assert StaffMember.objects.get(reference="WVC-0003").left_on == dt.date(2026, 1, 31)


def test_one_bad_row_among_many_saves_nothing_and_is_named(w, django_assert_max_num_queries):
    rows = staff_rows(1000)
    rows[636] = ("WVC-0637", "Care worker", "Nowhere House", "04/13/2024", "")  # row 638 of the sheet
    rows[900] = ("WVC-0005", "Care worker", "Barley Court", "2024-03-04", "2024-01-01")  # row 902
    with django_assert_max_num_queries(20):
        summary = upload(w, "staff", csv_bytes(rows, STAFF_HEADERS))
    assert [str(p) for p in summary.problems] == [
        "Row 638, column “scheme”: There is no scheme called “Nowhere House” among the schemes you provide care in.",
        "Row 638, column “started_on”: “04/13/2024” is not a date: write it as 2026-03-01 or 01/03/2026.",
        "Row 902, column “left_on”: The leaving date is before the start date.",
        "Row 902, column “reference”: Reference WVC-0005 is also on row 6.",
    ]
    assert summary.rejected_rows == 2
    assert not StaffMember.objects.exists() and not AuditEvent.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_rows(w, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        upload(w, "staff", csv_bytes(staff_rows(1500), STAFF_HEADERS))
    assert StaffMember.objects.count() == 1500


def test_training_upload_from_xlsx_fills_the_expiry_and_skips_what_is_held(w):
    StaffMember.objects.create(provider=w["provider"], reference="WVC-0001", started_on=dt.date(2024, 3, 4))
    rows = [
        ("WVC-0001", "safeguarding-adults", dt.datetime(2025, 2, 3)),  # a spreadsheet date
        ("WVC-0001", "Dementia Friends", "10/05/2024"),  # by name, UK date
    ]
    content = tablib.Dataset(*rows, headers=["staff_reference", "course", "completed_on"]).export("xlsx")
    summary = upload(w, "training", content, file_format="xlsx")
    assert (summary.new, summary.problems) == (2, [])
    expiries = dict(TrainingCompletion.objects.values_list("course__code", "expires_on"))
    assert expiries == {"safeguarding-adults": dt.date(2027, 2, 3), "dementia-friends": None}
    assert upload(w, "training", content, file_format="xlsx").unchanged == 2
    assert TrainingCompletion.objects.count() == 2


def test_training_for_another_providers_staff_or_an_unknown_course_is_refused(w):
    other = ProviderFactory(name="Waveney Homecare")
    StaffMember.objects.create(provider=other, reference="WAV-0001", started_on=dt.date(2024, 1, 1))
    StaffMember.objects.create(provider=w["provider"], reference="WVC-0001", started_on=dt.date(2024, 1, 1))
    content = csv_bytes(
        [
            ("WAV-0001", "first-aid", "2025-01-01"),
            ("WVC-0001", "juggling", "2025-01-01"),
            ("WVC-0001", "first-aid", "2099-01-01"),
        ],
        ["staff_reference", "course", "completed_on"],
    )
    summary = upload(w, "training", content)
    assert [str(p) for p in summary.problems] == [
        "Row 2, column “staff_reference”: You have no member of staff with reference “WAV-0001”: add them first.",
        "Row 3, column “course”: There is no course “juggling” in the catalogue.",
        "Row 4, column “completed_on”: The completion date is in the future.",
    ]
    assert not TrainingCompletion.objects.exists()


def test_a_file_without_the_columns_is_refused_whole(w):
    with pytest.raises(UploadError, match="The file has no 'reference', 'started_on' column"):
        upload(w, "staff", csv_bytes([("x",)], ["name"]))
    with pytest.raises(UploadError, match="Upload a CSV or an Excel"):
        upload(w, "staff", b"", file_format="pdf")


def test_upload_pages_preview_then_save_and_refuse_a_tampered_preview(w, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(w["user"])
    url = reverse("workforce:staff-upload")
    file = io.BytesIO(csv_bytes(staff_rows(2), STAFF_HEADERS))
    file.name = "staff.csv"
    preview = client.post(url, {"file": file})
    page = preview.content.decode()
    assert "Preview of staff.csv" in page and "Save 2 rows" in page
    assert not StaffMember.objects.exists()
    payload = preview.context["payload"]
    tampered = client.post(url, {"payload": payload[:-3] + "abc"})
    assert tampered.status_code == 302 and not StaffMember.objects.exists()
    assert len(list((tmp_path / "workforce-uploads").iterdir())) == 1  # the file waits for the confirmation
    saved = client.post(url, {"payload": payload})
    assert saved.status_code == 302 and StaffMember.objects.count() == 2
    assert not list((tmp_path / "workforce-uploads").iterdir())
    # Another provider cannot replay the preview.
    other = user_for(ProviderFactory(name="Other"), Role.PROVIDER_STAFF)
    client.force_login(other)
    assert client.post(url, {"payload": payload}).status_code == 403
    template = client.get(reverse("workforce:upload-template", args=["staff", "csv"]))
    assert template.content.decode().splitlines()[0] == (
        "reference,job_title,scheme,started_on,left_on,dbs_level,dbs_workforce,dbs_issued_on,"
        "dbs_update_service_checked_on,first_reference_on,second_reference_on,right_to_work_checked_on,"
        "right_to_work_expires_on,asc_wds_updated_on"
    )


VETTING_HEADERS = [*STAFF_HEADERS, "dbs_level", "dbs_workforce", "dbs_issued_on", "right_to_work_expires_on"]


def test_the_staff_upload_carries_vetting_and_names_a_bad_cell(w):
    rows = [
        (
            "WVC-0001",
            "Care worker",
            "Barley Court",
            "2024-03-04",
            "",
            "Enhanced with barred list check",
            "child",
            "2024-02-01",
            "2027-01-31",
        ),
        ("WVC-0002", "Care worker", "Barley Court", "2024-03-04", "", "gold", "", "", ""),
        ("WVC-0003", "Care worker", "Barley Court", "2024-03-04", "", "", "", "2024-02-01", ""),
    ]
    summary = upload(w, "staff", csv_bytes(rows, VETTING_HEADERS))
    assert [(p.row, p.column) for p in summary.problems] == [(3, "dbs_level"), (4, "dbs_level")]
    assert "is not a DBS level" in summary.problems[0].message
    assert "Say which level" in summary.problems[1].message  # an issue date needs its level
    assert not StaffMember.objects.exists()
    summary = upload(w, "staff", csv_bytes(rows[:1], VETTING_HEADERS))
    assert summary.ok and summary.new == 1
    staff = StaffMember.objects.get()
    assert (staff.dbs_level, staff.dbs_workforce, staff.dbs_issued_on, staff.right_to_work_expires_on) == (
        "enhanced_barred",
        "child",
        dt.date(2024, 2, 1),
        dt.date(2027, 1, 31),
    )
    # A file without the vetting columns leaves them as they are.
    summary = upload(w, "staff", csv_bytes([rows[0][:4] + ("2026-01-31",)], STAFF_HEADERS))
    assert summary.ok and summary.updated == 1
    staff.refresh_from_db()
    assert (staff.left_on, staff.dbs_level) == (dt.date(2026, 1, 31), "enhanced_barred")
