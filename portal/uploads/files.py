"""A submission as a table: a CSV or XLSX file, or a bulk API payload (a JSON array of objects).

Rows are numbered as the user sees them: a spreadsheet's row number (the header is row 1) or a
bulk payload's position (the first item is row 1). Unknown, repeated or missing required columns
are refused up front, naming the column, so a misspelt header cannot quietly blank a column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import tablib

from portal.exports import clean_dataset

from .columns import PARSE_MESSAGES, Column, Problem, normalise_header
from .limits import XlsxTooLarge, check_xlsx
from .specs import UploadSpec


class Unreadable(Exception):
    """The file cannot be read as a table (wrong format, no header, unknown columns…)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells); blank rows left out


def check_headers(columns: Sequence[Column], raw_headers: Sequence[Any]) -> list[str]:
    """Normalised headers, or Unreadable naming each unknown, repeated or missing column."""
    headers = [normalise_header(h) for h in raw_headers]
    known = {c.name for c in columns}
    problems = []
    seen: set[str] = set()
    for name, raw in zip(headers, raw_headers, strict=True):
        if not name and raw in (None, ""):
            continue
        if name not in known:
            problems.append(PARSE_MESSAGES.problem(1, str(raw), "unknown_column", value=str(raw).strip()))
        elif name in seen:
            problems.append(Problem(1, name, "repeated_column", f"The column {name} appears twice."))
        seen.add(name)
    for column in columns:
        if column.required and column.name not in seen:
            problems.append(
                Problem(1, column.name, "missing_column", f"The file has no {column.name} column.")
            )
    if problems:
        names = ", ".join(c.name for c in columns)
        raise Unreadable(f"The columns are not right. The columns are: {names}.", problems)
    return headers


def is_xlsx(name: str) -> bool:
    return name.lower().endswith(".xlsx")


def read_table(spec: UploadSpec, content: bytes, name: str) -> Table:
    if is_xlsx(name):
        return read_xlsx(spec, content)
    if name.lower().endswith((".csv", ".txt")):
        return read_csv(spec, content)
    raise Unreadable("Upload a CSV or XLSX file (the template is either).")


def decode_csv(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" is Windows-1252; "CSV UTF-8" is preferred, but both are read.
        return content.decode("cp1252", errors="replace")


def read_csv(spec: UploadSpec, content: bytes) -> Table:
    reader = csv.reader(io.StringIO(decode_csv(content), newline=""))
    try:
        raw_headers = next(reader)
    except StopIteration as exc:
        raise Unreadable("The file is empty.") from exc
    except csv.Error as exc:
        raise Unreadable(f"The file is not readable as CSV: {exc}.") from exc
    headers = check_headers(spec.columns, raw_headers)
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any((c or "").strip() for c in cells):
                continue
            rows.append((number, (cells + [""] * len(headers))[: len(headers)]))
    except csv.Error as exc:
        raise Unreadable(f"Row {reader.line_num} is not readable as CSV: {exc}.") from exc
    return Table(headers, rows)


class Workbook:
    """The first sheet of an XLSX file, read row by row (never all at once)."""

    def __init__(self, handle: Any):
        try:
            check_xlsx(handle)  # unpacked size and row count, from the zip, before openpyxl parses it
        except XlsxTooLarge as exc:
            raise Unreadable(str(exc)) from exc
        try:
            self.book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise Unreadable("The file is not a readable XLSX workbook.") from exc
        self.rows = self.book.worksheets[0].iter_rows(values_only=True)

    def headers(self) -> list[Any]:
        try:
            raw_headers = list(next(self.rows))
        except StopIteration as exc:
            raise Unreadable("The workbook's first sheet is empty.") from exc
        while raw_headers and raw_headers[-1] in (None, ""):
            raw_headers.pop()
        return raw_headers

    def close(self) -> None:
        self.book.close()


def blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_xlsx(spec: UploadSpec, content: bytes) -> Table:
    book = Workbook(io.BytesIO(content))
    try:
        headers = check_headers(spec.columns, book.headers())
        rows = []
        for number, values in enumerate(book.rows, start=2):
            cells = list(values[: len(headers)]) + [None] * max(0, len(headers) - len(values))
            if not blank(cells):
                rows.append((number, cells))
        return Table(headers, rows)
    finally:
        book.close()


def table_from_records(spec: UploadSpec, records: object) -> Table:
    """A bulk API payload (a JSON array of objects) as a table; item 1 is row 1."""
    if not isinstance(records, list):
        raise Unreadable("Send a JSON array of objects.")
    names: list[str] = []
    for item in records:
        if not isinstance(item, dict):
            raise Unreadable("Send a JSON array of objects.")
        for key in item:
            if key not in names:
                names.append(key)
    known = set(spec.column_names)
    unknown = [n for n in names if n not in known]
    if unknown:
        problems = [PARSE_MESSAGES.problem(0, n, "unknown_column", value=n) for n in unknown]
        raise Unreadable(f"Unknown fields: {', '.join(unknown)}.", problems)
    headers = spec.column_names
    return Table(headers, [(i, [item.get(h) for h in headers]) for i, item in enumerate(records, start=1)])


def template(spec: UploadSpec, fmt: str) -> bytes:
    """The downloadable template: the columns in order and example rows."""
    data = tablib.Dataset(headers=spec.column_names)
    for example in spec.examples:
        data.append([example.get(c, "") for c in spec.column_names])
    data = clean_dataset(data)
    if fmt == "xlsx":
        content: bytes = data.export("xlsx")
        return content
    return str(data.export("csv")).encode("utf-8-sig")
