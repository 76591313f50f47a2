# ruff: noqa: S608 - the SQL here is built from our own table names and constants; values are parameters.
"""Resolve: what each row names, found set-based — the order by reference (within what the
uploader may record), each carer's staff record, an earlier row with the same natural key, and
the stored visit the row replaces (with what a merge would write over it). The checks read the
same names as the small-file path's lookups give them (`visits.validation.check_visits`)."""

from __future__ import annotations

from packages_of_care.models import IndividualServiceOrder
from portal.tenancy import scoped
from portal.uploads.checks import sql_list
from workforce.models import StaffMember

from ..models import Visit
from ..validation import COMPARED_FIELDS, RECORDABLE_ORDER_STATUSES
from .context import Import

#: A row with a natural key: one recordable order, a scheduled start and a carer.
KEYED = (
    f"o.n = 1 AND o.status IN {sql_list(RECORDABLE_ORDER_STATUSES)} "
    "AND t.scheduled_start IS NOT NULL AND t.carer_reference IS NOT NULL"
)
#: What a merge writes (blank text as ''; the explanation of a missed visit kept unless replaced,
#: as `visits.validation.apply_input` does), by the column holding it.
EXPLANATION = (
    "CASE WHEN k.status = 'missed' THEN COALESCE(k.missed_explanation, v.missed_explanation, '') ELSE '' END"
)
REMEDY = "CASE WHEN k.status = 'missed' THEN COALESCE(k.missed_remedy, v.missed_remedy, '') ELSE '' END"
WRITTEN_AS = {
    "second_carer_reference": "COALESCE(k.second_carer_reference, '')",
    "cancellation_reason": "COALESCE(k.cancellation_reason, '')",
    "manual_reason": "COALESCE(k.manual_reason, '')",
    "verification": "COALESCE(k.verification, 'ecm')",
    "missed_explanation": EXPLANATION,
    "missed_remedy": REMEDY,
}


def final(column: str) -> str:
    """The column of the rows table (aliased t) holding what the merge writes for a visit field."""
    return f"t.w_{column}" if column in WRITTEN_AS else f"t.{column}"


#: Whether a stored visit changes: any field a submission may change differs.
CHANGED = " OR ".join(f"{final(c)} IS DISTINCT FROM t.old_{c}" for c in COMPARED_FIELDS)
#: The rows the merge writes: new visits and changed ones (the first row of each natural key).
WRITING = f"t.keyed = 1 AND t.key_rank = 1 AND (t.existing_id IS NULL OR {CHANGED})"


def resolve(imp: Import) -> None:
    t = imp.tables
    orders = (
        scoped(IndividualServiceOrder, imp.actor)
        .filter(provider=imp.provider)
        .values("id", "reference", "status", "start_date", "end_date", "commissioner_id")
    )
    orders_sql, orders_params = orders.query.sql_with_params()
    imp.temp_as(
        t.orders,
        "SELECT reference, COUNT(*) AS n, MIN(id) AS id, MIN(status) AS status, MIN(start_date) AS start_date, "
        f"MIN(end_date) AS end_date, MIN(commissioner_id) AS commissioner_id FROM ({orders_sql}) o GROUP BY reference",
        orders_params,
    )
    register = StaffMember.objects.filter(provider=imp.provider)
    staff_sql, staff_params = register.values("reference", "started_on", "left_on").query.sql_with_params()
    imp.temp_as(t.staff, staff_sql, staff_params)
    imp.register_in_use = register.exists()
    recordable = sql_list(RECORDABLE_ORDER_STATUSES)
    resolved = (
        f"SELECT t.*, o.n AS o_n, o.status AS o_status, "
        f"CASE WHEN o.n = 1 AND o.status IN {recordable} THEN o.id END AS order_id, "
        "o.start_date AS o_start, o.end_date AS o_end, o.commissioner_id AS commissioner_id, "
        "s1.reference AS s1_ref, s1.started_on AS s1_start, s1.left_on AS s1_left, "
        "s2.reference AS s2_ref, s2.started_on AS s2_start, s2.left_on AS s2_left, "
        f"CASE WHEN {KEYED} THEN 1 ELSE 0 END AS keyed "
        f"FROM {t.typed} t LEFT JOIN {t.orders} o ON o.reference = t.order_reference "
        f"LEFT JOIN {t.staff} s1 ON s1.reference = t.carer_reference "
        f"LEFT JOIN {t.staff} s2 ON s2.reference = t.second_carer_reference"
    )
    for table in (t.typed, t.orders, t.staff):  # temporary tables are never analysed by autovacuum
        imp.sql(f"ANALYZE {table}")
    confirm_expected(imp)
    # The same visit twice in the file: found by hashing the natural keys (no sort of the rows).
    imp.temp_as(
        f"{t.rows}_d",
        "SELECT o.id AS order_id, t.scheduled_start, t.carer_reference, MIN(t.row_no) AS first_row "
        f"FROM {t.typed} t JOIN {t.orders} o ON o.reference = t.order_reference "
        f"WHERE {KEYED} GROUP BY o.id, t.scheduled_start, t.carer_reference HAVING COUNT(*) > 1",
    )
    old = ", ".join(f"v.{c} AS old_{c}" for c in (*COMPARED_FIELDS, "missed_explained_at"))
    written = ", ".join(f"{expr} AS w_{c}" for c, expr in WRITTEN_AS.items())
    explained_at = (
        f"CASE WHEN ({EXPLANATION}) <> '' AND ({REMEDY}) <> '' THEN COALESCE(v.missed_explained_at, %s) END "
        "AS w_missed_explained_at"
    )
    rank = (
        "CASE WHEN k.keyed = 1 THEN CASE WHEN dup.first_row IS NULL OR dup.first_row = k.row_no THEN 1 ELSE 2 END "
        "END AS key_rank, dup.first_row AS first_row"
    )
    imp.temp_as(
        t.rows,
        f"SELECT k.*, {rank}, v.id AS existing_id, {old}, {written}, {explained_at} "
        f"FROM ({resolved}) k LEFT JOIN {t.rows}_d dup ON dup.order_id = k.order_id "
        "AND dup.scheduled_start = k.scheduled_start AND dup.carer_reference = k.carer_reference "
        f"LEFT JOIN {Visit._meta.db_table} v ON k.keyed = 1 AND (dup.first_row IS NULL OR dup.first_row = k.row_no) "
        "AND v.order_id = k.order_id AND v.scheduled_start = k.scheduled_start "
        "AND v.carer_reference = k.carer_reference",
        [imp.now],
    )
    imp.sql(f"DROP TABLE {t.rows}_d")
    # The later statements join on these columns.
    imp.sql(f"ANALYZE {t.rows} (row_no, order_id, scheduled_start, carer_reference, existing_id, status)")


def confirm_expected(imp: Import) -> None:
    """A visit generated from the schedule has no carer yet: the first row for the same order and
    start that matches no stored visit names its carer, so the row confirms that visit rather than
    adding a second one (as `visits.validation.check_visits` does on the small-file path). Inside
    the import's transaction: a dry run or a rejected file rolls it back."""
    t = imp.tables
    visits = Visit._meta.db_table
    imp.sql(
        f"UPDATE {visits} v SET carer_reference = f.carer_reference FROM ("
        "SELECT DISTINCT ON (o.id, t.scheduled_start) o.id AS order_id, t.scheduled_start, t.carer_reference "
        f"FROM {t.typed} t JOIN {t.orders} o ON o.reference = t.order_reference "
        f"WHERE {KEYED} AND t.carer_reference <> '' AND NOT EXISTS (SELECT 1 FROM {visits} x "
        "WHERE x.order_id = o.id AND x.scheduled_start = t.scheduled_start "
        "AND x.carer_reference = t.carer_reference) "
        "ORDER BY o.id, t.scheduled_start, t.row_no) f "
        "WHERE v.order_id = f.order_id AND v.scheduled_start = f.scheduled_start AND v.carer_reference = ''"
    )
