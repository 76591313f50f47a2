"""Type: the staged text read as values by the upload's own column declarations
(`VISIT_COLUMNS`, read in SQL by `portal.uploads.sql`), each cell that cannot be read becoming a
problem with the code and message the small-file path gives it."""

from __future__ import annotations

from portal.uploads.sql import SqlTyping

from ..validation import VISIT_CHECKS, VISIT_COLUMNS
from .context import Import

TYPING = SqlTyping(
    VISIT_COLUMNS,
    failed=VISIT_CHECKS.failed_columns,
    derived=[
        (
            "visit_date",
            "date",
            "CASE WHEN scheduled_start_e IS NULL THEN (scheduled_start_u AT TIME ZONE 'Europe/London')::date END",
        )
    ],
)

#: The problems table: problems of a cell (`rule` NULL, p = [the cell]), of a check (its
#: number in VISIT_CHECKS and its parameters) or an overlap (p = carer, other, start, end).
ERRS = "row_no bigint, field text, code text, rule integer, p text[]"


def create_tables(imp: Import) -> None:
    imp.temp(imp.tables.typed, TYPING.table_ddl())
    imp.temp(imp.tables.errs, ERRS)


def type_cells(imp: Import) -> None:
    present = {c for c in imp.staged if not c.startswith("x_")}
    TYPING.fill(imp, raw=imp.tables.raw, present=present, typed=imp.tables.typed, errs=imp.tables.errs)
