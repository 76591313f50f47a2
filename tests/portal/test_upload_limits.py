"""Bounded uploads (portal/uploads/limits.py, portal.security.BoundedRequestMiddleware, the
nightly clean-up): a file beyond UPLOAD_MAX_BYTES is refused before a byte of it is kept, a zip
bomb disguised as XLSX before it is unpacked, and a job stuck checking gets a final status and
loses its file."""

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.utils import timezone

from portal.tasks import clear_stale_uploads
from portal.uploads import files
from portal.uploads.jobs import upload_create
from portal.uploads.limits import XlsxTooLarge, check_xlsx
from portal.uploads.models import UploadJob, UploadStatus
from tests.visits.helpers import NOW, csv_of, row, setup

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def kept(monkeypatch):
    """The bytes the handlers that keep files (in memory or in a temporary file) were given."""
    received = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def spy(self, raw_data, start, original=original):
            received["bytes"] += len(raw_data)
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", spy)
    return received


def _stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_60_mb_upload_is_refused_at_once_with_nothing_kept(login, media, kept):
    client = login(setup().staff_user)
    big = SimpleUploadedFile("visits.csv", b"x" * (60 * MB))
    started = time.monotonic()
    response = client.post("/visits/upload/", {"file": big})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "the largest file you can upload is 50.0 MB" in response.content.decode()
    assert kept["bytes"] == 0  # not a byte held in memory or written to a temporary file
    assert UploadJob.objects.count() == 0 and _stored_files(media) == []
    assert elapsed < 5, elapsed  # the body is read past, not parsed or stored


def test_a_file_under_the_limit_still_goes_through(login, settings, kept):
    settings.UPLOAD_MAX_BYTES = 10 * MB
    client = login(setup().staff_user)
    with time_machine.travel(NOW, tick=False):
        response = client.post("/visits/upload/", {"file": SimpleUploadedFile("visits.csv", csv_of([row()]))})
    assert response.status_code == 302 and UploadJob.objects.get().status == UploadStatus.CHECKED
    assert kept["bytes"] > 0


def test_a_json_body_beyond_the_limit_is_refused_with_413(api_client, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    response = api_client.post(
        "/api/v1/visits/bulk/", b"[" + b" " * (2 * MB) + b"]", content_type="application/json"
    )
    assert response.status_code == 413 and "larger than 1.0 MB" in response.json()["detail"]


def _zip_bomb(unpacked_mb: int) -> bytes:
    """An .xlsx-shaped zip whose sheet unpacks to `unpacked_mb` MB of zeros (about 1/1000 packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            zeros = b"0" * MB
            for _ in range(unpacked_mb):
                sheet.write(zeros)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb():
    return _zip_bomb(256)  # beyond the 200 MB default


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_unpacked(login, media, zip_bomb):
    assert len(zip_bomb) < 2 * MB
    client = login(setup().staff_user)
    started = time.monotonic()
    response = client.post("/visits/upload/", {"file": SimpleUploadedFile("visits.xlsx", zip_bomb)})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "The workbook unpacks to 256.0 MB" in response.content.decode()
    assert UploadJob.objects.count() == 0 and _stored_files(media) == []
    assert elapsed < 1, elapsed
    # Every other reader of workbooks (the streaming path, a job already kept) refuses it too.
    with pytest.raises(files.Unreadable, match="unpacks to 256.0 MB"):
        files.Workbook(io.BytesIO(zip_bomb))


def _workbook_declaring_rows(rows: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:O{rows}"/><sheetData/></worksheet>',
        )
    return buffer.getvalue()


def test_a_workbook_with_more_rows_than_the_limit_is_refused(settings):
    settings.UPLOAD_MAX_ROWS = 1000
    check_xlsx(io.BytesIO(_workbook_declaring_rows(1000)))
    with pytest.raises(XlsxTooLarge, match="1,001 rows"):
        check_xlsx(io.BytesIO(_workbook_declaring_rows(1001)))


def test_a_workbook_that_unpacks_large_is_read_by_a_worker_not_in_the_request(settings):
    s = setup()
    small_bomb = _zip_bomb(5)  # 5 MB unpacked, a few KB packed; visits stream beyond 2 MB
    job = upload_create(
        actor=s.staff_user, kind="visits", uploaded_file=SimpleUploadedFile("visits.xlsx", small_bomb)
    )
    assert job.size_bytes < 100_000 and job.path == UploadJob.Path.STREAMING


def test_a_job_stuck_checking_is_failed_and_its_file_deleted(settings, media):
    settings.UPLOAD_STUCK_AFTER_MINUTES = 60
    s = setup()
    started = timezone.now()
    with time_machine.travel(started, tick=False):
        stuck = upload_create(
            actor=s.staff_user, kind="visits", uploaded_file=SimpleUploadedFile("v.csv", csv_of([row()]))
        )
        running = upload_create(
            actor=s.staff_user, kind="visits", uploaded_file=SimpleUploadedFile("w.csv", csv_of([row()]))
        )
        importing = upload_create(
            actor=s.staff_user, kind="visits", uploaded_file=SimpleUploadedFile("x.csv", csv_of([row()]))
        )
    UploadJob.objects.filter(pk=running.pk).update(started_at=started + dt.timedelta(minutes=50))
    UploadJob.objects.filter(pk=importing.pk).update(status=UploadStatus.IMPORTING)
    path = Path(stuck.file.path)
    assert path.exists()
    with time_machine.travel(started + dt.timedelta(minutes=61), tick=False):
        clear_stale_uploads()
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == UploadStatus.FAILED and "The check stopped" in stuck.failure
    assert not stuck.file and not path.exists()
    assert running.status == UploadStatus.CHECKING and running.file  # still within its time
    importing.refresh_from_db()
    assert importing.status == UploadStatus.FAILED and "The import stopped" in importing.failure
    assert not importing.file
