# ruff: noqa: S608 - the SQL here is built from our own table names and constants; values are parameters.
"""Check: every check of `visits.validation.VISIT_CHECKS` as one SQL pass over the rows, each
carer's times across the file and the stored visits (window functions), and the outcome — the
problems worded as the small-file path words them, and the counts."""

from __future__ import annotations

from packages_of_care.models import IndividualServiceOrder
from portal.uploads.checks import TIME, from_sql, sql_list
from portal.uploads.columns import Problem, column_problem
from portal.uploads.specs import MAX_ERRORS_KEPT, Outcome
from portal.uploads.sql import epoch_us

from ..models import Visit
from ..validation import (
    COLUMNS_BY_NAME,
    MAX_ACTUAL_DRIFT,
    MAX_VISIT,
    PRESENT,
    VISIT_CHECKS,
    overlap_problem,
    sort_key,
)
from .context import Import
from .resolve import CHANGED

#: When the carer is with the person (`visits.validation.interval`), over a rows table `t` and
#: the visits table `v`: the actual times if both are known, else a scheduled visit's times.
ROW_SPAN = (
    "CASE WHEN t.actual_start_us IS NOT NULL AND t.actual_end_us IS NOT NULL THEN t.actual_start_us "
    "WHEN t.status = 'scheduled' THEN t.scheduled_start_us END",
    "CASE WHEN t.actual_start_us IS NOT NULL AND t.actual_end_us IS NOT NULL THEN t.actual_end_us "
    "WHEN t.status = 'scheduled' THEN t.scheduled_end_us END",
)
VISIT_SPAN = (
    "CASE WHEN v.actual_start IS NOT NULL AND v.actual_end IS NOT NULL THEN v.actual_start "
    "WHEN v.status = 'scheduled' THEN v.scheduled_start END",
    "CASE WHEN v.actual_start IS NOT NULL AND v.actual_end IS NOT NULL THEN v.actual_end "
    "WHEN v.status = 'scheduled' THEN v.scheduled_end END",
)


def check_rows(imp: Import) -> None:
    statement = VISIT_CHECKS.select_sql(imp.tables.rows)
    context = {"now": imp.now, "register_in_use": imp.register_in_use}
    imp.sql(
        f"INSERT INTO {imp.tables.errs} (row_no, field, code, rule, p) {VISIT_CHECKS.bind(statement, context)}"
    )


def check_overlaps(imp: Import) -> None:
    """A carer in two places at once, across the file and the stored visits it does not replace:
    each interval's partner is the next one if it overlaps, else the earliest before it with the
    latest end (`visits.validation.overlaps`, the small-file path's, chooses the same)."""
    t = imp.tables
    present = sql_list(sorted(PRESENT))
    with_span = (
        f"SELECT t.row_no, t.carer_reference, t.second_carer_reference, {ROW_SPAN[0]} AS s, {ROW_SPAN[1]} AS e "
        f"FROM {t.rows} t WHERE t.scheduled_start_us IS NOT NULL AND t.scheduled_end_us IS NOT NULL "
        f"AND t.carer_reference IS NOT NULL AND t.status IN {present} AND NOT (t.keyed = 1 AND t.key_rank > 1)"
    )
    imp.temp(t.intervals, "carer text, s bigint, e bigint, src integer, ident bigint, ref text")
    imp.sql(
        f"INSERT INTO {t.intervals} (carer, s, e, src, ident, ref) "
        f"SELECT carer_reference, s, e, 0, row_no, NULL FROM ({with_span}) x WHERE s IS NOT NULL AND e > s "
        f"UNION ALL SELECT second_carer_reference, s, e, 0, row_no, NULL FROM ({with_span}) x "
        "WHERE s IS NOT NULL AND e > s AND second_carer_reference IS NOT NULL "
        "AND second_carer_reference <> carer_reference"
    )
    lo, hi = imp.fetch(f"SELECT MIN(s), MAX(e) FROM {t.intervals}")[0]
    if lo is not None:
        _stored_intervals(
            imp, from_sql(TIME, lo) - MAX_VISIT - MAX_ACTUAL_DRIFT, from_sql(TIME, hi) + MAX_ACTUAL_DRIFT
        )
    order = "ORDER BY s, e, src, ident"
    imp.temp_as(
        t.windows,
        f"SELECT carer, s, e, src, ident, ref, ROW_NUMBER() OVER (PARTITION BY carer {order}) AS seq, "
        + ", ".join(
            f"LEAD({c}) OVER (PARTITION BY carer {order}) AS next_{c}"
            for c in ("s", "e", "src", "ident", "ref")
        )
        + f", MAX(e) OVER (PARTITION BY carer {order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e "
        f"FROM {t.intervals}",
    )
    flagged = "w.src = 0 AND (w.next_s < w.e OR w.s < w.prev_e)"
    if not imp.fetch(f"SELECT EXISTS (SELECT 1 FROM {t.windows} w WHERE {flagged})")[0][0]:
        return
    imp.sql(f"CREATE INDEX {t.windows}_seq ON {t.windows} (carer, seq)")

    def partner(col: str) -> str:
        before = (
            f"(SELECT b.{col} FROM {t.windows} b WHERE b.carer = w.carer AND b.seq < w.seq AND b.e = w.prev_e "
            "ORDER BY b.seq LIMIT 1)"
        )
        return f"CASE WHEN w.next_s < w.e THEN w.next_{col} ELSE {before} END"

    field = "CASE WHEN w.carer = r.carer_reference THEN 'carer_reference' ELSE 'second_carer_reference' END"
    other = (
        f"CASE WHEN {partner('src')} = 0 THEN 'row:' || CAST({partner('ident')} AS TEXT) "
        f"ELSE 'order:' || {partner('ref')} END"
    )
    imp.sql(
        f"INSERT INTO {t.errs} (row_no, field, code, p) "
        f"SELECT w.ident, {field}, 'overlap', ARRAY[w.carer, {other}, CAST({partner('s')} AS TEXT), "
        f"CAST({partner('e')} AS TEXT)] FROM {t.windows} w JOIN {t.rows} r ON r.row_no = w.ident WHERE {flagged}"
    )


def _stored_intervals(imp: Import, lo: object, hi: object) -> None:
    """The stored visits of the file's carers around the file's times, but those it replaces."""
    t = imp.tables
    carers = f"(SELECT DISTINCT carer FROM {t.intervals} WHERE src = 0)"
    for column in ("carer_reference", "second_carer_reference"):
        only_second = (
            " AND (v.second_carer_reference IS NULL OR v.second_carer_reference <> v.carer_reference)"
            if column == "second_carer_reference"
            else ""
        )
        imp.sql(
            f"INSERT INTO {t.intervals} (carer, s, e, src, ident, ref) "
            f"SELECT x.carer, x.s, x.e, 1, x.id, x.ref FROM (SELECT c.carer, {epoch_us(VISIT_SPAN[0])} AS s, "
            f"{epoch_us(VISIT_SPAN[1])} AS e, v.id, o.reference AS ref FROM {Visit._meta.db_table} v "
            f"JOIN {carers} c ON c.carer = v.{column} JOIN {IndividualServiceOrder._meta.db_table} o ON o.id = v.order_id "
            "WHERE v.provider_id = %s AND v.scheduled_start >= %s AND v.scheduled_start <= %s "
            f"AND v.status IN {sql_list(sorted(PRESENT))} AND v.id NOT IN (SELECT existing_id FROM {t.rows} "
            f"WHERE existing_id IS NOT NULL){only_second}) x WHERE x.s IS NOT NULL AND x.e > x.s",
            [imp.provider.pk, lo, hi],
        )


def problem(row_no: int, field_name: str, code: str, rule: int | None, p: list[str | None]) -> Problem:
    """A problem the SQL found, worded by the declarations the small-file path words it by."""
    if rule is not None:
        return VISIT_CHECKS.problem(rule, row_no, field_name, p)
    if code == "overlap":
        carer, other, start, end = p
        kind, _sep, ident = (other or "").partition(":")
        where = f"row {ident}" if kind == "row" else f"the visit already recorded for order {ident}"
        return overlap_problem(
            row_no, field_name, carer or "", where, from_sql(TIME, start), from_sql(TIME, end)
        )
    return column_problem(row_no, COLUMNS_BY_NAME[field_name], code, p[0] if p else "")


def outcome(imp: Import, read: int) -> Outcome:
    t = imp.tables
    total, rejected = imp.fetch(f"SELECT COUNT(*), COUNT(DISTINCT row_no) FROM {t.errs}")[0]
    found = imp.fetch(
        f"SELECT row_no, field, code, rule, p FROM {t.errs} "
        f"WHERE row_no IN (SELECT DISTINCT row_no FROM {t.errs} ORDER BY row_no LIMIT {MAX_ERRORS_KEPT})"
    )
    problems = sorted((problem(*row) for row in found), key=lambda p: (*sort_key(p), p.code))
    new, updated, unchanged = imp.fetch(
        "SELECT COUNT(*) FILTER (WHERE t.existing_id IS NULL), "
        f"COUNT(*) FILTER (WHERE t.existing_id IS NOT NULL AND ({CHANGED})), "
        f"COUNT(*) FILTER (WHERE t.existing_id IS NOT NULL AND NOT ({CHANGED})) "
        f"FROM {t.rows} t WHERE t.keyed = 1 AND t.key_rank = 1 AND t.row_no NOT IN (SELECT row_no FROM {t.errs})"
    )[0]
    return Outcome(
        read=read,
        new=new,
        updated=updated,
        unchanged=unchanged,
        rejected=rejected,
        problems=problems[:MAX_ERRORS_KEPT],
        problems_total=total,
    )
