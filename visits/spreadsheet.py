"""Visits as spreadsheets: the upload template (a named sheet with dropdowns for the choice
columns, a guidance tab, optionally the period's expected visits filled in) and the visit list's
export. Every cell goes through `portal.exports` (formulas neutralised)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from portal.exports import xlsx_append, xlsx_save, xlsx_workbook

from .models import LONDON, ManualReason, Verification, Visit, VisitStatus
from .validation import VISIT_COLUMNS
from .visit_uploads import VISITS

SHEET = "Visits"
GUIDANCE = "Guidance"
CHOICES = {
    "status": list(VisitStatus.values),
    "verification": list(Verification.values),
    "manual_reason": list(ManualReason.values),
    "time_critical": ["yes", "no"],
}


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else f"{timezone.localtime(value, LONDON):%Y-%m-%d %H:%M}"


def template_row(visit: Visit) -> dict[str, Any]:
    """An expected visit as a row to complete: its order, times, carers and status so far."""
    return {
        "order_reference": visit.order.reference,
        "scheduled_start": _when(visit.scheduled_start),
        "scheduled_end": _when(visit.scheduled_end),
        "actual_start": _when(visit.actual_start),
        "actual_end": _when(visit.actual_end),
        "carer_reference": visit.carer_reference,
        "second_carer_reference": visit.second_carer_reference,
        "carers": visit.carers,
        "time_critical": "yes" if visit.time_critical else "no",
        "status": visit.status,
        "verification": visit.verification,
        "manual_reason": visit.manual_reason,
    }


def template_xlsx(rows: Iterable[dict[str, Any]] | None = None) -> bytes:
    """The upload template: the "Visits" sheet (first, as the upload reads it) with its header,
    the example rows or `rows`, and dropdowns on the choice columns; a "Guidance" sheet."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = xlsx_workbook()
    sheet = book.active
    sheet.title = SHEET
    names = [c.name for c in VISIT_COLUMNS]
    xlsx_append(sheet, names)
    for row in rows if rows is not None else VISITS.examples:
        xlsx_append(sheet, [row.get(name, "") for name in names])
    sheet.freeze_panes = "A2"
    last = max(sheet.max_row, 2000)
    for name, values in CHOICES.items():
        letter = get_column_letter(names.index(name) + 1)
        check = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {name.replace('_', ' ')}",
            error="Choose from the list: " + ", ".join(values),
        )
        check.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(check)
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 2)

    guidance = book.create_sheet(GUIDANCE)
    xlsx_append(guidance, ["How to fill in the Visits sheet"])
    for line in VISITS.guidance:
        xlsx_append(guidance, [line])
    xlsx_append(guidance, [])
    xlsx_append(guidance, ["Column", "Required", "What it holds"])
    for column in VISIT_COLUMNS:
        xlsx_append(guidance, [column.name, "yes" if column.required else "no", column.help or column.label])
    guidance.column_dimensions["A"].width = 24
    guidance.column_dimensions["C"].width = 90
    return xlsx_save(book)
