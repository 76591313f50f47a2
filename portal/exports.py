"""Every CSV and XLSX the portal writes goes through here, so no cell can become a formula.

A spreadsheet program reads a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a
tab or carriage return before one of them) as a formula: a service user's name or a commentary typed
as `=HYPERLINK("http://…","Click")` would run when a council officer opens the export (OWASP "CSV
injection"). `safe_cell` writes such text with a leading single quote, so it stays text; numbers,
dates, decimals and text that is just a number ("-5.00", which no program runs) are left alone.
Control characters that XLSX cannot store are replaced rather than failing the export.

The ways to write, each cleaning every cell:
    csv_writer(file)            a `csv.writer` whose rows are cleaned
    SafeDictWriter(file, ...)   a `csv.DictWriter` whose rows are cleaned
    clean_dataset(dataset)      a tablib Dataset (the KPI API's CSV, upload templates)
    SafeExportResource          django-import-export resources: every exported field cleaned
    xlsx_append(sheet, row)     an openpyxl worksheet row
    xlsx_bytes(title, rows)     a one-sheet workbook (openpyxl's write-only mode), as bytes

tests/portal/test_exports.py fails if a module writes CSV or XLSX without one of these.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

import tablib
from import_export import resources
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A plain number written as text (DRF serialises decimals as strings): no program runs it.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value to write in a cell: text that a spreadsheet would read as a formula gets a
    leading quote; anything that is not text is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class _SafeWriter:
    """`csv.writer`'s interface, each row cleaned first."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file: Any, *args: Any, **kwargs: Any) -> _SafeWriter:
    """`csv.writer(file, …)` whose every cell goes through `safe_cell`."""
    return _SafeWriter(csv.writer(file, *args, **kwargs))


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every cell goes through `safe_cell`."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


def clean_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of a tablib Dataset with every cell (and header) cleaned."""
    headers = safe_row(dataset.headers) if dataset.headers else None
    cleaned = tablib.Dataset(*(safe_row(row) for row in dataset), headers=headers, title=dataset.title)
    return cleaned


class SafeExportResource(resources.ModelResource):
    """A django-import-export resource whose exported fields are cleaned (however a subclass works a
    field out: an attribute, a `dehydrate_…` method or a widget)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return safe_cell(super().export_field(field, instance, **kwargs))


def xlsx_append(worksheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet (write-only or not), every cell cleaned."""
    worksheet.append(safe_row(row))


def xlsx_bytes(title: str, rows: Iterable[Iterable[Any]]) -> bytes:
    """A workbook of one sheet named `title` holding `rows` (the first is the header row), written
    in openpyxl's write-only mode so a long document never sits in memory as cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        xlsx_append(worksheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_workbook() -> Any:
    """An openpyxl workbook to build in memory, for a small workbook that needs what write-only
    mode cannot do (data validation dropdowns, column widths, frozen headings). Append its rows
    with `xlsx_append`, so every cell is still cleaned; save it with `xlsx_save`."""
    from openpyxl import Workbook

    return Workbook()


def xlsx_save(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
