# ruff: noqa: S608 - the SQL here is built from our own table names and constants; values are parameters.
"""Merge: `INSERT … ON CONFLICT (order, scheduled start, carer) DO UPDATE` of the new and changed
rows only, keeping the ids written for the audit trail and the alerts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction

from packages_of_care.models import IndividualServiceOrder
from portal.models import AuditEvent, Organisation

from ..models import Visit
from .context import Import
from .resolve import WRITING, final

US_PER_MINUTE = 60_000_000

#: visits_visit column → what the merge writes (t: the rows table).
COLUMNS = {
    "order_id": "t.order_id",
    "provider_id": "%s",
    "commissioner_id": "t.commissioner_id",
    "visit_date": "t.visit_date",
    "scheduled_start": "t.scheduled_start",
    "scheduled_end": "t.scheduled_end",
    "scheduled_minutes": f"(t.scheduled_end_us - t.scheduled_start_us) / {US_PER_MINUTE}",
    "actual_start": "t.actual_start",
    "actual_end": "t.actual_end",
    "actual_minutes": "CASE WHEN t.actual_start_us IS NOT NULL AND t.actual_end_us IS NOT NULL THEN "
    "CASE WHEN t.actual_end_us > t.actual_start_us "
    f"THEN (t.actual_end_us - t.actual_start_us) / {US_PER_MINUTE} ELSE 0 END END",
    "carer_reference": "t.carer_reference",
    "second_carer_reference": final("second_carer_reference"),
    "carers": "t.carers",
    "time_critical": "t.time_critical",
    "status": "t.status",
    "cancelled_at": "t.cancelled_at",
    "cancellation_reason": final("cancellation_reason"),
    "verification": final("verification"),
    "manual_reason": final("manual_reason"),
    "missed_explanation": final("missed_explanation"),
    "missed_remedy": final("missed_remedy"),
    "missed_explained_at": "t.w_missed_explained_at",
    "source": "'upload'",
    "created_at": "%s",
    "updated_at": "%s",
}
KEY = ("order_id", "scheduled_start", "carer_reference")


def check_keys_once(imp: Import) -> str | None:
    """PostgreSQL checks each foreign key of each row written, at commit: eight per visit
    (order, provider, commissioner; the audit event's actor, organisation, content type,
    commissioner, provider), which on a million visits takes longer than the rest of the import.
    Every one of those keys names one of a few thousand rows (the file's orders, the
    organisations, the uploader, the content type), so this checks them once each instead:
    it locks those rows as the foreign-key check would (FOR KEY SHARE: nobody can delete them
    or change their ids until this transaction ends) and confirms they all exist; then the
    merge and the audit trail run with the row-by-row foreign-key triggers off
    (`session_replication_role = replica`, for this transaction only; unique and check
    constraints still apply). Returns the setting to restore afterwards, or None when the
    database's own checks run as usual: a role that may not change the setting, another trigger
    on the tables written (it would be skipped too), or a key that does not hold (the usual
    check then reports it)."""
    visit, event = Visit._meta.db_table, AuditEvent._meta.db_table
    if imp.fetch(
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgrelid IN (to_regclass(%s), to_regclass(%s)))",
        [visit, event],
    )[0][0]:
        return None
    writing = f"FROM {imp.tables.rows} t WHERE {WRITING}"
    wanted_orders, commissioners = imp.fetch(
        f"SELECT COUNT(DISTINCT t.order_id), array_agg(DISTINCT t.commissioner_id) {writing}"
    )[0]
    org_ids = sorted({imp.provider.pk, imp.actor.organisation_id, *(commissioners or [])} - {None})
    content_type = ContentType.objects.get_for_model(Visit)

    def locked(table: str, where: str) -> str:
        return f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} x WHERE {where} FOR KEY SHARE) y"

    checks = [
        (
            locked(IndividualServiceOrder._meta.db_table, f"x.id IN (SELECT DISTINCT t.order_id {writing})"),
            [],
            wanted_orders,
        ),
        (locked(Organisation._meta.db_table, "x.id = ANY(%s)"), [org_ids], len(org_ids)),
        (locked(imp.actor._meta.db_table, "x.id = %s"), [imp.actor.pk], 1),
        (locked(ContentType._meta.db_table, "x.id = %s"), [content_type.pk], 1),
    ]
    for statement, params, expected in checks:
        if imp.fetch(statement, params)[0][0] != expected:
            return None
    before = str(imp.fetch("SELECT current_setting('session_replication_role')")[0][0])
    try:
        with transaction.atomic():  # a savepoint: a role without the right carries on as usual
            imp.sql("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return None
    return before


def merge(imp: Import) -> int:
    """Write the new and changed visits; keep their ids (and what the audit trail names) in
    `tables.written`, so that the audit trail and the alerts need not look each visit up again
    by its natural key. Returns how many were written."""
    t = imp.tables
    updates = [c for c in COLUMNS if c not in (*KEY, "source", "created_at")]
    statement = (
        f"INSERT INTO {Visit._meta.db_table} ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS.values())} "
        f"FROM {t.rows} t WHERE {WRITING} ORDER BY t.order_id, t.scheduled_start "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
    )
    imp.temp(
        t.written,
        "id bigint, order_id bigint, scheduled_start timestamptz, carer_reference text, "
        "status text, commissioner_id bigint, provider_id bigint",
    )
    written = imp.sql(
        f"WITH m AS ({statement} RETURNING id, order_id, scheduled_start, carer_reference, status, "
        f"commissioner_id, provider_id) INSERT INTO {t.written} SELECT * FROM m",
        [imp.provider.pk, imp.now, imp.now],
    )
    imp.sql(f"ANALYZE {t.written}")
    if written >= settings.PORTAL["IMPORT_ANALYZE_AFTER_ROWS"]:
        # Autovacuum would get there in time; the next page a provider opens should not wait for it.
        imp.sql(f"ANALYZE {Visit._meta.db_table}")
    return written
