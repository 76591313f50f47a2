"""portal.exports: one writer for every CSV/XLSX cell, so typed text never becomes a formula; and a
guard that no module writes CSV or XLSX around it. (Each export path has its own test in its
app's tests, with `=HYPERLINK(...)` typed into a free-text field.)"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import tablib

from portal.exports import SafeDictWriter, clean_dataset, csv_writer, safe_cell, xlsx_append

HYPERLINK = '=HYPERLINK("http://evil.example","Click")'
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "typed",
    [HYPERLINK, "+44 1603 222222", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd", "\t=1+1", "\r=1+1"],
)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(typed):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize(
    "value", [Decimal("-5.00"), -3, 2.5, dt.date(2026, 5, 1), None, "", "Ada Lovelace", "-5.00", "+1", "1e-3"]
)
def test_numbers_dates_plain_text_and_numbers_written_as_text_are_left_alone(value):
    assert safe_cell(value) == value


def test_control_characters_xlsx_cannot_store_are_replaced():
    assert safe_cell("NCC\x07-1") == "NCC\N{REPLACEMENT CHARACTER}-1"


def test_csv_writers_and_datasets_and_worksheets_clean_every_cell():
    buffer = io.StringIO()
    csv_writer(buffer).writerows([["Name", "Note"], ["Ada", HYPERLINK]])
    assert list(csv.reader(io.StringIO(buffer.getvalue())))[1] == ["Ada", "'" + HYPERLINK]

    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=["note", "amount"])
    writer.writeheader()
    writer.writerow({"note": HYPERLINK, "amount": Decimal("-1.50")})
    assert list(csv.DictReader(io.StringIO(buffer.getvalue()))) == [
        {"note": "'" + HYPERLINK, "amount": "-1.50"}
    ]

    dataset = clean_dataset(tablib.Dataset([HYPERLINK, 3], headers=["note", "n"]))
    assert dataset[0] == ("'" + HYPERLINK, 3)

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    xlsx_append(sheet, [HYPERLINK, Decimal("2.50")])
    saved = io.BytesIO()
    book.save(saved)
    cell = openpyxl.load_workbook(saved).active["A1"]
    assert cell.data_type == "s" and cell.value == "'" + HYPERLINK


# Writing a CSV or XLSX without portal.exports: a csv writer, an openpyxl workbook built to be
# saved, or an import-export resource that is not a SafeExportResource.
UNSAFE_WRITERS = re.compile(
    r"csv\.(writer|DictWriter)\(|from openpyxl import .*\bWorkbook\b|openpyxl\.Workbook\(|ModelResource\)"
)
ALLOWED = {
    "portal/exports.py",
    # import-only resources (uploads are read, never exported with them)
    "portal/uploads/resource.py",
    "workforce/resources.py",
}


def test_no_module_writes_csv_or_xlsx_around_portal_exports():
    apps = [p for p in ROOT.iterdir() if (p / "apps.py").exists()]
    offenders = []
    for app in apps:
        for path in app.rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if UNSAFE_WRITERS.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
