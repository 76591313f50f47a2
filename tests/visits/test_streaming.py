"""The streaming path (COPY into a staging table, checks in SQL, one merge) gives the same answers
as the row-by-row path, saves all or nothing, and is idempotent; it runs on a real worker too."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Alert, AuditEvent
from portal.uploads.files import Unreadable
from portal.uploads.models import UploadJob, UploadStatus
from tests.visits.helpers import NOW, check, csv_of, row, setup
from tests.visits.test_validation import CASES
from tests.visits.test_validation import world as world  # noqa: F401 - the fixture
from visits.models import Visit
from visits.streaming import stream_visits

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))  # for a worker process started by the test


def _job(user, content: bytes, name="visits.csv") -> UploadJob:
    return UploadJob.objects.create(
        provider=user.organisation,
        uploaded_by=user,
        kind="visits",
        original_name=name,
        size_bytes=len(content),
        path=UploadJob.Path.STREAMING,
        file=SimpleUploadedFile(name, content),
    )


def stream(user, rows_or_bytes, *, dry_run=True, name="visits.csv"):
    content = rows_or_bytes if isinstance(rows_or_bytes, bytes) else csv_of(rows_or_bytes)
    return stream_visits(
        _job(user, content, name), actor=user, dry_run=dry_run, progress=lambda *a, **k: None
    )


def _answers(outcome):
    return sorted((p.row, p.field, p.code, p.message) for p in outcome.problems)


@pytest.mark.parametrize(("name", "rows", "expected"), CASES, ids=[c[0] for c in CASES])
@time_machine.travel(NOW, tick=False)
def test_the_streaming_path_gives_the_same_answers(world, name, rows, expected):  # noqa: F811
    small = check(world.staff_user, rows)
    streamed = stream(world.staff_user, rows)
    assert _answers(streamed) == _answers(small)
    assert streamed.summary() == small.summary()


@time_machine.travel(NOW, tick=False)
def test_every_case_in_one_file_gives_the_same_answers(world):  # noqa: F811
    rows = [r for _name, case_rows, _expected in CASES for r in case_rows]
    small = check(world.staff_user, rows)
    assert len(small.problems) > 40
    assert _answers(stream(world.staff_user, rows)) == _answers(small)


def _day_rows(n: int, bad_at: int | None = None):
    """n valid visits by three carers over consecutive days; row `bad_at` has no such order."""
    rows = []
    for i in range(n):
        day = dt.date(2026, 4, 1) + dt.timedelta(days=i // 9)
        slot = i % 9
        carer = ("C1", "C2", "C3")[slot % 3]
        hour = 7 + (slot // 3) * 4
        start = f"{day:%Y-%m-%d} {hour:02d}:00"
        r = row(
            scheduled_start=start,
            scheduled_end=f"{day:%Y-%m-%d} {hour:02d}:45",
            actual_start=f"{day:%Y-%m-%d} {hour:02d}:01",
            actual_end=f"{day:%Y-%m-%d} {hour:02d}:40",
            carer_reference=carer,
        )
        if i == bad_at:
            r["order_reference"] = "ISO-999"
        rows.append(r)
    return rows


@time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False)
def test_one_bad_row_among_ten_thousand_saves_nothing_and_names_it():
    s = setup()
    rows = _day_rows(10_000, bad_at=7_321)
    outcome = stream(s.staff_user, rows, dry_run=False)
    assert not outcome.written
    assert outcome.read == 10_000 and outcome.rejected == 1
    assert [(p.row, p.field, p.code) for p in outcome.problems] == [
        (7_323, "order_reference", "unknown_order")
    ]
    assert Visit.objects.count() == 0 and AuditEvent.objects.filter(action="recorded").count() == 0


@time_machine.travel(dt.datetime(2029, 1, 1, tzinfo=dt.UTC), tick=False)
def test_the_same_file_twice_saves_once_and_changes_are_audited():
    s = setup()
    rows = _day_rows(300)
    first = stream(s.staff_user, rows, dry_run=False)
    assert (first.written, first.new, first.updated, first.unchanged) == (True, 300, 0, 0)
    assert Visit.objects.count() == 300
    assert AuditEvent.objects.filter(action="recorded").count() == 300
    again = stream(s.staff_user, rows, dry_run=False)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 300)
    assert Visit.objects.count() == 300 and AuditEvent.objects.filter(action="updated").count() == 0
    rows[5]["actual_end"] = rows[5]["actual_end"].replace(":40", ":44")
    changed = stream(s.staff_user, rows, dry_run=False)
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 299)
    event = AuditEvent.objects.get(action="updated")
    assert event.changes == {"actual_end": ["2026-04-01T10:40:00+00:00", "2026-04-01T10:44:00+00:00"]}
    assert event.actor == s.staff_user and event.provider_id == s.provider.pk
    visit = Visit.objects.get(pk=int(event.object_id))
    assert visit.actual_minutes == 43 and visit.source == "upload"


@time_machine.travel(NOW, tick=False)
def test_a_missed_visit_raises_its_alerts_and_keeps_a_later_explanation(world):  # noqa: F811
    missed = row(actual_start="", actual_end="", status="missed")
    stream(world.staff_user, [missed], dry_run=False)
    visit = Visit.objects.get()
    assert set(Alert.objects.values_list("kind", "recipient")) == {
        ("visit_missed_explain", world.provider.pk),
        ("visit_missed", world.commissioner.pk),
    }
    Visit.objects.filter(pk=visit.pk).update(
        missed_explanation="Carer ill", missed_remedy="Visited at 10:00", missed_explained_at=NOW
    )
    again = stream(world.staff_user, [missed], dry_run=False)
    assert again.unchanged == 1
    visit.refresh_from_db()
    assert visit.missed_explanation == "Carer ill"


def test_xlsx_and_odd_files():
    import openpyxl

    s = setup()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "order_reference",
            "scheduled_start",
            "scheduled_end",
            "actual_start",
            "actual_end",
            "carer_reference",
            "status",
            "carers",
        ]
    )
    sheet.append(
        [
            "ISO-1",
            dt.datetime(2026, 4, 1, 8),
            dt.datetime(2026, 4, 1, 8, 45),
            dt.datetime(2026, 4, 1, 8, 2),
            dt.datetime(2026, 4, 1, 8, 44),
            "C1",
            "completed",
            1.0,
        ]
    )
    sheet.append([None] * 8)
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    with time_machine.travel(NOW, tick=False):
        outcome = stream(s.staff_user, buffer.getvalue(), name="visits.xlsx")
        assert outcome.ok and outcome.read == 1 and outcome.new == 1
        ragged = b"order_reference,scheduled_start\nISO-1,2026-04-01 08:00,extra\n"
        with pytest.raises(Unreadable):
            stream(s.staff_user, ragged)


@pytest.mark.celery_worker
def test_a_large_upload_runs_on_a_real_worker(celery_worker, settings, tmp_path):
    """The streaming import as the Celery task runs it, in a worker process of its own."""
    s = setup()
    rows = _day_rows(200)
    content = csv_of(rows)
    job = _job(s.staff_user, content)
    UploadJob.objects.filter(pk=job.pk).update(status=UploadStatus.CHECKING)
    assert celery_worker("visits.process_upload", job.pk, False) == UploadStatus.CHECKED, (
        UploadJob.objects.get(pk=job.pk).failure
    )
    job.refresh_from_db()
    assert (job.rows_read, job.rows_new, job.rows_rejected) == (200, 200, 0)
    UploadJob.objects.filter(pk=job.pk).update(status=UploadStatus.IMPORTING)
    assert celery_worker("visits.process_upload", job.pk, True) == UploadStatus.IMPORTED
    assert Visit.objects.count() == 200
    job.refresh_from_db()
    assert job.imported_at is not None and not job.file


@time_machine.travel(dt.datetime(2029, 1, 1, tzinfo=dt.UTC), tick=False)
def test_keys_are_checked_once_and_the_database_checks_resume_after_the_merge():
    """The merge and audit trail skip the row-by-row foreign-key triggers only after locking and
    checking every key once; the setting is back to normal for the rest of the transaction."""
    from django.db import connection

    s = setup()
    outcome = stream(s.staff_user, _day_rows(30), dry_run=False)
    assert outcome.written and outcome.new == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every deferred key check passes
    assert AuditEvent.objects.filter(action="recorded", provider=s.provider).count() == 30
    assert set(Visit.objects.values_list("order__provider", flat=True)) == {s.provider.pk}


def test_a_large_import_brings_the_planners_statistics_up_to_date(settings):
    """After a large merge the visits table is analysed in the same transaction, so the planner's
    row estimate (pg_class.reltuples) is the table's real size, not "never analysed" (-1)."""
    from django.db import connection

    settings.PORTAL = {**settings.PORTAL, "IMPORT_ANALYZE_AFTER_ROWS": 150}
    s = setup()

    def estimate():
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'visits_visit'::regclass")
            return cursor.fetchone()[0]

    small = stream(s.staff_user, _day_rows(100), dry_run=False)
    assert small.new == 100 and estimate() != 100  # below the threshold: left to autovacuum
    large = stream(s.staff_user, _day_rows(300), dry_run=False)  # 200 new rows: over the threshold
    assert large.written and estimate() == Visit.objects.count()
