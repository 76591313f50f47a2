"""How big an upload may be, checked before it is read (issue 15: a 200 MB CSV drove a web worker
past 6 GB; a 1.9 MB zip bomb disguised as XLSX ran for ten minutes).

- `BoundedUploadHandler`, first of `FILE_UPLOAD_HANDLERS`: a multipart request whose
  Content-Length is beyond `UPLOAD_MAX_BYTES` has its files dropped as they arrive — nothing is
  kept in memory or written to disk — and each is replaced by a `RefusedUpload` that says how big
  it was, so the form can say so (`validate_upload_size`, on every file field of a PortalForm).
  Other request bodies beyond the limit are refused with 413 (`portal.security`).
- `check_xlsx`: an XLSX is a zip; its directory says how big each part unpacks to, and each
  sheet's `<dimension>` says how many rows it has. Both are read without unpacking the sheets, and
  a workbook beyond `UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES` or `UPLOAD_MAX_ROWS` is refused before
  openpyxl parses anything. `unpacked_size` lets the job send a workbook that unpacks large to the
  worker rather than read it in the request.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.template.defaultfilters import filesizeformat


def max_upload_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def _megabytes(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


class RefusedUpload(UploadedFile):
    """Stands in for a file that was too large to accept: no content, only its name and how big
    the request carrying it was."""

    refused = True

    def __init__(self, name: str, size: int, content_type: str | None = None):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size)


class BoundedUploadHandler(FileUploadHandler):
    """Drops the files of a request larger than `UPLOAD_MAX_BYTES` before any byte is stored."""

    refusing = False
    request_size = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.request_size = content_length or 0
        self.refusing = self.request_size > max_upload_bytes()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.refusing:
            raise StopFutureHandlers  # the handlers that keep files never hear of this one

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return None if self.refusing else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refusing:
            return None  # the next handler (memory or temporary file) has it
        return RefusedUpload(self.file_name or "upload", self.request_size, self.content_type)


def validate_upload_size(upload: Any) -> None:
    """A form or serializer validator: refuse a file beyond `UPLOAD_MAX_BYTES`."""
    if upload is None or not hasattr(upload, "size"):
        return
    limit = max_upload_bytes()
    if getattr(upload, "refused", False) or (upload.size or 0) > limit:
        raise ValidationError(
            f"The file is {_megabytes(upload.size)}: the largest file you can upload is "
            f"{_megabytes(limit)}. Split it into smaller files.",
            code="too_large",
        )


# --- XLSX -------------------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_HEAD_BYTES = 4096  # a sheet's <dimension> comes before its data


class XlsxTooLarge(Exception):
    """The workbook unpacks beyond the limits, or is not a zip at all."""


def unpacked_size(handle: IO[bytes]) -> int:
    """The total size of an XLSX's parts once unpacked, from the zip's directory (nothing
    unpacked). XlsxTooLarge if it is not a zip."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as book:
            return sum(member.file_size for member in book.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxTooLarge("The file is not a readable XLSX workbook.") from exc
    finally:
        handle.seek(0)


def check_xlsx(handle: IO[bytes]) -> None:
    """Refuse a workbook that unpacks beyond `UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES` or whose sheets
    declare more than `UPLOAD_MAX_ROWS` rows, before it is parsed."""
    limit = int(settings.UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES)
    size = unpacked_size(handle)
    if size > limit:
        raise XlsxTooLarge(
            f"The workbook unpacks to {_megabytes(size)}, more than the {_megabytes(limit)} "
            "the portal reads. Save it as CSV, or split it into smaller files."
        )
    max_rows = int(settings.UPLOAD_MAX_ROWS)
    try:
        with zipfile.ZipFile(handle) as book:
            for member in book.infolist():
                if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
                    continue
                with book.open(member) as sheet:
                    head = sheet.read(_HEAD_BYTES)  # only the start is unpacked
                match = _DIMENSION.search(head)
                if match and int(match.group(1)) > max_rows:
                    raise XlsxTooLarge(
                        f"The workbook has {int(match.group(1)):,} rows, more than the "
                        f"{max_rows:,} the portal reads in one file. Split it into smaller files."
                    )
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise XlsxTooLarge("The file is not a readable XLSX workbook.") from exc
    finally:
        handle.seek(0)


def validate_xlsx(upload: Any) -> None:
    """A form validator: `check_xlsx` on an uploaded .xlsx file."""
    if upload is None or not (getattr(upload, "name", "") or "").lower().endswith(".xlsx"):
        return
    try:
        check_xlsx(upload)
    except XlsxTooLarge as exc:
        raise ValidationError(str(exc), code="xlsx_too_large") from exc
