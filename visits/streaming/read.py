# ruff: noqa: S608 - the SQL here is built from our own table and column names; values are parameters.
"""Read: the file's cells into a staging table of text, with COPY.

A CSV's bytes go straight to `COPY … FROM STDIN (FORMAT csv)`: PostgreSQL parses them, so a
million rows never pass through Python. An XLSX is read row by row and written with psycopg's
`copy.write_row`, which does the escaping. Unknown or missing columns are refused before any row
is read (`check_headers`, as for small files); blank rows are dropped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django.db import connection

from portal.uploads.columns import Problem
from portal.uploads.files import Unreadable, Workbook, check_headers, is_xlsx
from portal.uploads.sql import blank_row

from ..validation import COLUMNS_BY_NAME, VISIT_COLUMNS
from .context import Import

CHUNK = 1 << 20


def stage(imp: Import, handle: Any) -> None:
    """COPY the file (an open binary handle) into `tables.raw`: row_no, as the spreadsheet numbers
    the row, then one text column per header."""
    handle.seek(0)
    book = Workbook(handle) if is_xlsx(imp.job.original_name) else None
    try:
        raw_headers = book.headers() if book else _csv_headers(handle)
        headers = check_headers(VISIT_COLUMNS, raw_headers)
        imp.staged = [name if name in COLUMNS_BY_NAME else f"x_{i}" for i, name in enumerate(headers)]
        cols = ", ".join(f"{c} text" for c in imp.staged)
        imp.temp(imp.tables.raw, f"row_no bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), {cols}")
        total = imp.job.size_bytes or 1
        imp.progress("Reading the file", 0, total, force=True)
        column_list = ", ".join(imp.staged)
        raw_cursor = connection.connection.cursor()
        try:
            if book is not None:
                with raw_cursor.copy(f"COPY {imp.tables.raw} ({column_list}) FROM STDIN") as copy:
                    for number, cells in enumerate(_xlsx_rows(book, len(imp.staged)), start=1):
                        copy.write_row(cells)
                        if number % 20000 == 0:
                            imp.progress(done=min(total, number * 100))
            else:
                encoding = _csv_encoding(handle)
                with raw_cursor.copy(
                    f"COPY {imp.tables.raw} ({column_list}) FROM STDIN "
                    f"WITH (FORMAT csv, HEADER true, ENCODING '{encoding}')"
                ) as copy:
                    _copy_csv(handle, copy, imp)
        except Unreadable:
            raise
        except Exception as exc:
            raise copy_problem(exc) from exc
        finally:
            raw_cursor.close()
    finally:
        if book is not None:
            book.close()
    # Rows of nothing but empty cells (a spreadsheet's blank rows) are not rows.
    imp.sql(f"DELETE FROM {imp.tables.raw} WHERE {blank_row(imp.staged)}")


def _csv_headers(handle: Any) -> list[str]:
    handle.seek(0)
    text = handle.readline(1 << 16).decode("utf-8-sig", errors="replace")
    try:
        return next(csv.reader([text]))
    except (StopIteration, csv.Error) as exc:
        raise Unreadable("The file is empty.") from exc


def _csv_encoding(handle: Any) -> str:
    """UTF8, or WIN1252 for Excel's plain "CSV" (not every byte is UTF-8)."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "WIN1252"
    return "UTF8"


def _copy_csv(handle: Any, copy: Any, imp: Import) -> None:
    done = 0
    pending = b""
    handle.seek(0)
    first = True
    while chunk := handle.read(CHUNK):
        done += len(chunk)
        if first and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8) :]
        first = False
        # Hold back line ends at the end of what we have: the file's last ones are not rows,
        # and the ones in between go out with the next chunk.
        data = pending + chunk
        stripped = data.rstrip(b"\r\n")
        pending = data[len(stripped) :]
        if stripped:
            copy.write(stripped)
        imp.progress(done=done)


def _xlsx_rows(book: Workbook, width: int) -> Iterator[list[str | None]]:
    """Every row, blank ones too, so that row_no stays the spreadsheet's row number."""
    for values in book.rows:
        cells = list(values[:width]) + [None] * max(0, width - len(values))
        yield [cell_text(c) for c in cells]


def cell_text(value: object) -> str | None:
    """An XLSX cell as the text a CSV would hold (so both parse alike)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and not (value.second or value.microsecond):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat(" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def copy_problem(exc: Exception) -> Unreadable:
    """What PostgreSQL's COPY refused, said as the small-file path says it."""
    text = str(exc)
    line = re.search(r"line (\d+)", text)
    row = int(line.group(1)) if line else 1
    if "missing data for column" in text or "extra data after last expected column" in text:
        message = "This row does not have one cell for each column of the header row."
        return Unreadable(
            f"Row {row} does not have one cell for each column of the header row.",
            [Problem(row, "file", "ragged_row", message)],
        )
    if "invalid byte sequence" in text:
        return Unreadable("The file is not UTF-8 text: save it as CSV UTF-8.")
    return Unreadable(f"Row {row} could not be read: {text.splitlines()[0]}")
