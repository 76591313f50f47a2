"""A kind's columns, declared once, and how a cell becomes a value.

A `Column` says what a cell holds (name, label, type, whether it is needed, limits); the same
declaration reads a cell here in Python (`parse_value`) and, for the streaming path, in SQL
(`portal.uploads.sql`), and words the problem either finds (`column_problem`), so the two
cannot disagree on a message.

Times: a time without an offset is Europe/London time. The hour the clocks go back happens twice,
so a time in it must carry its offset (+01:00 or +00:00); a time in the hour the clocks skip does
not exist. Either is refused rather than guessed, as Django's own forms do, because a guess moves
a record by an hour.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

#: What a column may hold: text, choice (one of `choices`), datetime, date, bool, nbool (yes, no
#: or empty for "not decided"), int and decimal (between `low` and `high`).
KINDS = ("text", "choice", "datetime", "date", "bool", "nbool", "int", "decimal")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    help: str = ""
    low: int | Decimal | None = None
    high: int | Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or row) of a submission, named by row and field."""

    row: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class Messages(dict[str, str]):
    """Message templates by code."""

    def text(self, code: str, **params: Any) -> str:
        return self[code].format(**params)

    def problem(self, row: int, field_name: str, code: str, **params: Any) -> Problem:
        return Problem(row, field_name, code, self.text(code, **params))


PARSE_MESSAGES = Messages(
    {
        "required": "Enter {label}.",
        "bad_datetime": "“{value}” is not a date and time: use 2026-04-01 08:00 or 01/04/2026 08:00.",
        "bad_date": "“{value}” is not a date: use 2026-04-01 or 01/04/2026.",
        "ambiguous_time": "{value} happens twice on the night the clocks go back: add +01:00 (BST) or +00:00 (GMT).",
        "nonexistent_time": "{value} does not exist in UK time: the clocks go forward an hour that night.",
        "bad_choice": "“{value}” is not one of: {choices}.",
        "bad_bool": "“{value}” is not yes or no.",
        "bad_int": "“{value}” is not a whole number from {low} to {high}.",
        "bad_number": "“{value}” is not a number from {low} to {high}.",
        "too_long": "Use at most {max} characters.",
        "unknown_column": "“{value}” is not a column of this upload.",
    }
)

TRUE = ("yes", "y", "true", "t", "1")
FALSE = ("no", "n", "false", "f", "0")


class _Unnamed(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"


class ParseError(ValueError):
    """A cell that cannot be read: its code and the text shown in the message (worded in full,
    with the column's limits, by `column_problem`)."""

    def __init__(self, code: str, value: str = ""):
        self.code = code
        self.value = value
        super().__init__(PARSE_MESSAGES[code].format_map(_Unnamed(value=value)))


def column_problem(row: int, column: Column, code: str, value: str | None = "") -> Problem:
    """The problem with one cell, worded from its column (both paths word it here)."""
    value = value or ""
    params: dict[str, Any] = {"value": value}
    template = code
    if code == "required":
        params = {"label": column.label}
    elif code == "bad_datetime" and column.kind == "date":
        template = "bad_date"
    elif code in ("bad_int", "bad_number"):
        params.update(low=column.low, high=column.high)
    elif code == "bad_choice":
        params.update(value=value.lower(), choices=", ".join(column.choices))
    elif code == "too_long":
        params = {"max": column.max_length}
    return Problem(row, column.name, code, PARSE_MESSAGES.text(template, **params))


# Reading cells ---------------------------------------------------------------------------------

ISO_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y")
INT_DIGITS = 9  # longer runs of digits are not a count of anything we hold


def london(naive: dt.datetime, shown: str) -> dt.datetime:
    """Make a wall-clock time aware in Europe/London, refusing times the clock change makes
    ambiguous or impossible."""
    first = naive.replace(tzinfo=LONDON, fold=0)
    second = naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree: ambiguous (happens twice) or imaginary (never happens).
        round_trip = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
        raise ParseError("nonexistent_time" if round_trip != naive else "ambiguous_time", shown)
    return first


def parse_datetime(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return value.astimezone(UTC)
        return london(value, value.strftime("%Y-%m-%d %H:%M")).astimezone(UTC)
    if isinstance(value, dt.date):
        raise ParseError("bad_datetime", value.isoformat())
    text = str(value).strip()
    if not text:
        return None
    try:
        if m := ISO_RE.match(text):
            y, mo, d, h, mi, s, frac, offset = m.groups()
            naive = dt.datetime(  # noqa: DTZ001 - a wall-clock time, placed by london() below
                int(y), int(mo), int(d), int(h), int(mi), int(s or 0), int((frac or "0").ljust(6, "0"))
            )
        elif m := UK_RE.match(text):
            d, mo, y, h, mi, s = m.groups()
            offset = None
            naive = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))  # noqa: DTZ001
        else:
            raise ParseError("bad_datetime", text)
    except ParseError:
        raise
    except ValueError as exc:  # e.g. 31 February, hour 25
        raise ParseError("bad_datetime", text) from exc
    if naive.year < 2000 or naive.year > 2100:
        raise ParseError("bad_datetime", text)
    if offset is None:
        return london(naive, text).astimezone(UTC)
    if offset.upper() == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta > dt.timedelta(hours=14):
        raise ParseError("bad_datetime", text)
    return naive.replace(tzinfo=dt.timezone(sign * delta)).astimezone(UTC)


def parse_date(value: object) -> dt.date | None:
    """A date written 2026-04-01, 01/04/2026, 01-04-2026 or 1 Apr 2026 (one-digit days and months
    too), or a spreadsheet's date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ParseError("bad_datetime", text)


def parse_bool(value: object, default: bool | None) -> bool | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ParseError("bad_bool", str(value).strip())


def parse_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a reference typed as a number in a spreadsheet
    return str(value).strip()


def parse_int(value: object, column: Column) -> int | None:
    """A whole number written with digits only (or a spreadsheet's number), between the
    column's limits."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return column.default
    if isinstance(value, bool):
        raise ParseError("bad_int", str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > INT_DIGITS:
            raise ParseError("bad_int", text)
        number = int(text)
    if (column.low is not None and number < column.low) or (column.high is not None and number > column.high):
        raise ParseError("bad_int", str(value).strip())
    return number


def parse_decimal(value: object, column: Column) -> Decimal | None:
    """A number with at most two places, between the column's limits."""
    text = parse_text(value)
    if text == "":
        return column.default
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ParseError("bad_number", text) from None
    exponent = number.as_tuple().exponent
    if (
        not number.is_finite()
        or (isinstance(exponent, int) and exponent < -2)
        or (column.low is not None and number < column.low)
        or (column.high is not None and number > column.high)
    ):
        raise ParseError("bad_number", text)
    return number.quantize(Decimal("0.01"))


def parse_value(column: Column, value: object) -> Any:
    kind = column.kind
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "date":
        return parse_date(value)
    if kind == "bool":
        return parse_bool(value, column.default)
    if kind == "nbool":  # yes, no, or empty for "not decided"
        return None if parse_text(value) == "" and not isinstance(value, bool) else parse_bool(value, None)
    if kind == "int":
        return parse_int(value, column)
    if kind == "decimal":
        return parse_decimal(value, column)
    text = parse_text(value)
    if kind == "choice":
        text = text.lower()
        if text == "":
            return column.default if column.default is not None else ""
        if text not in column.choices:
            raise ParseError("bad_choice", text)
        return text
    if column.max_length and len(text) > column.max_length:
        raise ParseError("too_long", text)
    return text


@dataclass
class ParsedRow:
    """One row's cells read by its columns: the values read, and the columns that failed."""

    row: int
    values: dict[str, Any]
    failed: set[str]


def parse_row(
    columns: Sequence[Column], raw: Mapping[str, object], row: int
) -> tuple[ParsedRow, list[Problem]]:
    """Read a raw row (file cells or JSON values) by its columns; a required column left empty and
    a cell that cannot be read are problems, and the column is marked as failed."""
    values: dict[str, Any] = {}
    failed: set[str] = set()
    problems: list[Problem] = []
    for column in columns:
        try:
            value = parse_value(column, raw.get(column.name))
        except ParseError as exc:
            problems.append(column_problem(row, column, exc.code, exc.value))
            failed.add(column.name)
            continue
        if column.required and value in (None, ""):
            problems.append(column_problem(row, column, "required"))
            failed.add(column.name)
            continue
        values[column.name] = value
    return ParsedRow(row, values, failed), problems


def normalise_header(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower()).strip("_")


# How messages show values ------------------------------------------------------------------------


def when_text(value: dt.datetime) -> str:
    return timezone.localtime(value, LONDON).strftime("%d %b %Y %H:%M")


def day_text(value: dt.date) -> str:
    return value.strftime("%d %b %Y")


def clock_text(value: dt.datetime) -> str:
    return timezone.localtime(value, LONDON).strftime("%H:%M")


def chunks(items: Sequence[Any], size: int = 2000) -> Iterable[Sequence[Any]]:
    """Items in slices, for IN lists that stay a sensible size."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
