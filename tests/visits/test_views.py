"""The screens: the entry form (404 for another provider's order), corrections with their
history, the missed-visit explanation, the lists (both sides, a fixed number of queries) and the
upload with its check, preview and import."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import AuditEvent
from portal.roles import Role
from portal.uploads.models import UploadJob
from tests.factories import user_for
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from tests.visits.helpers import NOW, csv_of, row, row_on, setup
from visits.models import Visit, VisitStatus

pytestmark = [pytest.mark.django_db]

FORM = {
    "scheduled_start": "2026-04-01T08:00",
    "scheduled_end": "2026-04-01T08:45",
    "status": "completed",
    "actual_start": "2026-04-01T08:03",
    "actual_end": "2026-04-01T08:41",
    "carer_reference": "C1",
    "carers": "1",
    "verification": "ecm",
}


@pytest.fixture(autouse=True)
def frozen(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with time_machine.travel(NOW, tick=False):
        yield


def test_record_a_visit_by_form_then_again_creates_one(login):
    s = setup()
    client = login(s.staff_user)
    url = f"/visits/orders/{s.order.pk}/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visits/{visit.pk}/"
    assert (visit.scheduled_minutes, visit.actual_minutes, visit.source) == (45, 38, "form")
    assert AuditEvent.objects.filter(action="recorded", object_id=str(visit.pk)).count() == 1
    client.post(url, FORM)
    assert Visit.objects.count() == 1
    assert AuditEvent.objects.filter(object_id=str(visit.pk)).count() == 1  # identical: nothing written


def test_the_form_names_what_is_wrong(login):
    s = setup()
    client = login(s.staff_user)
    response = client.post(
        f"/visits/orders/{s.order.pk}/new/",
        {**FORM, "carer_reference": "C9", "actual_end": "2026-04-01T07:59"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "No member of your staff has the reference C9." in text
    assert "The actual end must be after the actual start." in text
    assert Visit.objects.count() == 0


def test_another_providers_order_is_not_found(login):
    s = setup()
    other = OrderFactory(reference="ISO-OTHER")
    client = login(s.staff_user)
    assert client.get(f"/visits/orders/{other.pk}/new/").status_code == 404
    assert client.post(f"/visits/orders/{other.pk}/new/", FORM).status_code == 404
    assert Visit.objects.count() == 0


def test_councils_see_but_do_not_record(login, client):
    s = setup()
    commissioner = user_for(s.commissioner, Role.COMMISSIONER)
    client = login(commissioner)
    assert client.get(f"/visits/orders/{s.order.pk}/new/").status_code == 403
    visit = VisitFactory(order=s.order, carer_reference="C1")
    assert client.get(f"/visits/{visit.pk}/").status_code == 200
    assert client.get(f"/visits/{visit.pk}/edit/").status_code == 403


def test_a_correction_is_audited_with_what_changed(login):
    s = setup()
    visit = VisitFactory(
        order=s.order, scheduled_start=at(dt.date(2026, 4, 1), 8), minutes=45, carer_reference="C1"
    )
    client = login(s.manager)
    form = client.get(f"/visits/{visit.pk}/edit/").context["form"]
    assert form.initial["carer_reference"] == "C1"
    response = client.post(
        f"/visits/{visit.pk}/edit/",
        {
            **FORM,
            "scheduled_start": "2026-04-01T08:15",
            "scheduled_end": "2026-04-01T09:00",
            "carer_reference": "C2",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.carer_reference == "C2" and visit.scheduled_minutes == 45
    event = AuditEvent.objects.get(action="updated")
    assert event.changes["carer_reference"] == ["C1", "C2"]
    assert event.changes["scheduled_start"] == ["2026-04-01T07:00:00+00:00", "2026-04-01T07:15:00+00:00"]
    detail = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "History" in detail and "carer_reference: C1 → C2" in detail


def test_explain_a_missed_visit(login):
    s = setup()
    visit = VisitFactory(order=s.order, carer_reference="C1", status=VisitStatus.MISSED)
    client = login(s.staff_user)
    response = client.post(f"/visits/{visit.pk}/explain/", {"explanation": "", "remedy": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(
        f"/visits/{visit.pk}/explain/", {"explanation": "Carer ill", "remedy": "Visited at 10:00"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.missed_explained_at == NOW


def test_lists_take_a_fixed_number_of_queries(login, django_assert_max_num_queries):
    s = setup()
    for i in range(40):
        VisitFactory(
            order=s.order,
            scheduled_start=at(dt.date(2026, 4, 10), 6) + dt.timedelta(minutes=30 * i),
            minutes=20,
            carer_reference="C1",
        )
    VisitFactory(
        order=s.order,
        scheduled_start=at(dt.date(2026, 4, 11), 6),
        status=VisitStatus.MISSED,
        carer_reference="C2",
    )
    for user in (s.staff_user, user_for(s.commissioner, Role.BROKERAGE)):
        client = login(user)
        with django_assert_max_num_queries(12):
            response = client.get("/visits/?visit_date_after=2026-04-01&visit_date_before=2026-04-30")
        assert response.status_code == 200 and response.context["paginator"].count == 41
        with django_assert_max_num_queries(12):
            assert client.get("/visits/missed/").status_code == 200
    council_page = client.get("/visits/?visit_date_after=2026-04-01").content.decode()
    assert s.provider.name in council_page


def test_other_organisations_see_none_of_them(login):
    s = setup()
    VisitFactory(order=s.order, carer_reference="C1")
    outsider = user_for(OrderFactory().provider, Role.PROVIDER_MANAGER)
    response = login(outsider).get("/visits/?visit_date_after=2026-01-01")
    assert response.context["paginator"].count == 0


def _upload(client, content, name="visits.csv"):
    return client.post("/visits/upload/", {"file": SimpleUploadedFile(name, content)})


def test_upload_check_then_import(login, django_capture_on_commit_callbacks):
    s = setup()
    client = login(s.staff_user)
    rows = [
        row(),
        row_on("2026-04-01", "12:00", "12:30", "12:00", "12:29"),
    ]
    response = _upload(client, csv_of(rows))
    job = UploadJob.objects.get()
    assert response["Location"] == f"/visits/uploads/{job.pk}/"
    assert (job.status, job.rows_read, job.rows_new, job.rows_rejected) == ("checked", 2, 2, 0)
    assert Visit.objects.count() == 0  # checking saves nothing
    page = client.get(f"/visits/uploads/{job.pk}/").content.decode()
    assert "Import 2 new and 0 updated" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/visits/uploads/{job.pk}/import/")
    job.refresh_from_db()
    assert job.status == "imported" and Visit.objects.count() == 2 and not job.file
    assert AuditEvent.objects.filter(action="imported", object_id=str(job.pk)).exists()
    # The same file again: nothing new, nothing to import.
    _upload(client, csv_of(rows))
    again = UploadJob.objects.latest("id")
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 2)
    assert "there is nothing to import" in client.get(again.get_absolute_url()).content.decode()


def test_an_upload_with_a_bad_row_names_it_and_cannot_be_imported(login):
    s = setup()
    client = login(s.staff_user)
    rows = [
        row(),
        row_on("2026-04-02", "08:00", "08:45", "08:00", "08:40", order_reference="ISO-OTHER"),
    ]
    OrderFactory(reference="ISO-OTHER")
    _upload(client, csv_of(rows))
    job = UploadJob.objects.get()
    assert job.status == "rejected" and job.rows_rejected == 1
    assert job.errors == [
        {
            "row": 3,
            "field": "order_reference",
            "message": "No order with reference ISO-OTHER that you can record visits against.",
        }
    ]
    page = client.get(job.get_absolute_url()).content.decode()
    assert (
        "1 row rejected: nothing has been saved" in page and "Import" not in page.split("Problems, by row")[1]
    )
    assert client.post(f"/visits/uploads/{job.pk}/import/").status_code == 302
    assert Visit.objects.count() == 0
    client.post(f"/visits/uploads/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.status == "discarded" and not job.file


def test_a_file_with_the_wrong_columns_is_refused_up_front(login):
    s = setup()
    client = login(s.staff_user)
    _upload(client, b"order ref,start\nISO-1,2026-04-01 08:00\n")
    job = UploadJob.objects.get()
    assert job.status == "rejected"
    assert {
        "row": 1,
        "field": "order ref",
        "message": "“order ref” is not a column of this upload.",
    } in job.errors
    assert any(
        e["field"] == "scheduled_start" and "no scheduled_start column" in e["message"] for e in job.errors
    )


def test_large_files_take_the_streaming_path_with_progress(login, settings):
    settings.VISITS_UPLOADS = {"STREAMING_BYTES": 10}
    s = setup()
    client = login(s.staff_user)
    _upload(client, csv_of([row()]))
    job = UploadJob.objects.get()
    assert job.path == "streaming" and job.status == "checked" and job.rows_new == 1
    UploadJob.objects.filter(pk=job.pk).update(
        status="importing", phase="Reading the file", progress_done=40, progress_total=100
    )
    partial = client.get(f"/visits/uploads/{job.pk}/status/").content.decode()
    assert 'hx-get="/visits/uploads/' in partial and "Reading the file: 40%" in partial
    UploadJob.objects.filter(pk=job.pk).update(status="checked")
    assert "hx-get" not in client.get(f"/visits/uploads/{job.pk}/status/").content.decode()


def test_the_templates_download(login):
    s = setup()
    client = login(s.staff_user)
    csv = client.get("/visits/upload/template.csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith(
        "order_reference,scheduled_start,"
    )
    xlsx = client.get("/visits/upload/template.xlsx")
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:3] == [
        "order_reference",
        "scheduled_start",
        "scheduled_end",
    ]
    assert client.get("/visits/upload/template.pdf").status_code == 404
