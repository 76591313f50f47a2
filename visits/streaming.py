# ruff: noqa: S608, S611 - the SQL here is built from our own table names (job ids) and constants; values are parameters.
"""The streaming path for large visit files: COPY into a staging table, the checks in SQL, one
merge — in one transaction, so a rejected row anywhere saves nothing.

    1. stage   PostgreSQL: the CSV's bytes go straight to `COPY … FROM STDIN` into text columns
               (an XLSX is read row by row and written with the same COPY). Elsewhere (SQLite under
               `make run`) the rows are parsed in Python and inserted in batches: the same checks
               follow, so only the parsing differs.
    2. type    text → values, with the parse rules of `visits.validation` (formats, the clock
               change, yes/no, codes) written in SQL without regular expressions (PostgreSQL's are
               slow on millions of rows): shapes are read with translate() and split_part().
    3. check   every rule of `visits.validation.check_visits`, set-based: orders in the
               uploader's scope, the staff register, duplicates, stored visits replaced, each
               carer's times across the file and the stored visits (window functions).
    4. merge   `INSERT … ON CONFLICT (order, scheduled start, carer) DO UPDATE` of the new and
               changed rows only; the audit trail and the alerts in the same transaction.

Problems carry the same codes and messages as the row-by-row path (a test holds the two paths to
the same answers on the same file). Progress is written to the job through a connection of its
own, so the page can show it while this transaction is open.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import time
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder
from portal.models import AuditEvent
from portal.tenancy import scoped
from workforce.models import StaffMember

from .models import UploadJob, Visit, VisitStatus
from .uploads import MAX_ERRORS_KEPT, Outcome, Unreadable, check_headers
from .validation import (
    CANCELLED,
    CLOCK_SKEW,
    COLUMNS_BY_NAME,
    DELIVERED,
    LONDON,
    MAX_ACTUAL_DRIFT,
    MAX_VISIT,
    NOTHING_DELIVERED,
    PRESENT,
    RECORDABLE_ORDER_STATUSES,
    SHORT_NOTICE,
    UTC,
    VISIT_COLUMNS,
    Problem,
    _day,
    _hours,
    _when,
    message,
    parse_visit,
)
from .visit_uploads import VISITS

US = 1_000_000
WS = " \t\r\n\f\v\u00a0"
DIGITS, ZEROS = "0123456789", "0" * 10
HM = ("0:00", "00:00")
UK_TIME = HM + tuple(t + ":00" for t in HM)
ISO_TIME = UK_TIME + tuple(f"{t}:00.{'0' * k}" for t in HM for k in range(1, 7))
ISO_DATE = ("0000-0-0", "0000-0-00", "0000-00-0", "0000-00-00")
UK_DATE = ("0/0/0000", "0/00/0000", "00/0/0000", "00/00/0000")
OFFSETS = ("+00:00", "+0000", "-00:00", "-0000")
TRUE = ("yes", "y", "true", "t", "1")
FALSE = ("no", "n", "false", "f", "0")

DATETIMES = ("scheduled_start", "scheduled_end", "actual_start", "actual_end", "cancelled_at")
SHORT = {
    "scheduled_start": "ss",
    "scheduled_end": "se",
    "actual_start": "as",
    "actual_end": "ae",
    "cancelled_at": "ca",
}
TEXTS = (
    "order_reference",
    "carer_reference",
    "second_carer_reference",
    "cancellation_reason",
    "missed_explanation",
    "missed_remedy",
)
CHOICES = ("status", "verification", "manual_reason")
FIELD_ORDER = {c.name: i for i, c in enumerate(VISIT_COLUMNS)}


def _lit(value: str) -> str:
    """A SQL string literal for a constant we wrote ourselves (never user input)."""
    return "'" + value.replace("'", "''") + "'"


def _in(values) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


@dataclass
class Dialect:
    pg: bool

    @property
    def true(self) -> str:
        return "TRUE" if self.pg else "1"

    @property
    def false(self) -> str:
        return "FALSE" if self.pg else "0"

    @property
    def distinct(self) -> str:
        return "IS DISTINCT FROM" if self.pg else "IS NOT"

    def types(self) -> dict[str, str]:
        if self.pg:
            return {"ts": "timestamptz", "date": "date", "bool": "boolean", "big": "bigint", "text": "text"}
        return {"ts": "text", "date": "text", "bool": "integer", "big": "integer", "text": "text"}

    def epoch_us(self, expr: str) -> str:
        if self.pg:
            # date_part is double precision (faster than EXTRACT's numeric); rounding makes it exact.
            return f"round(date_part('epoch', {expr}) * 1000000)::bigint"
        return f"(CAST(strftime('%s', {expr}) AS INTEGER) * 1000000 + CAST(substr({expr} || '.000000', 21, 6) AS INTEGER))"

    def temp(self, name: str, columns: str = "") -> str:
        """CREATE TEMP TABLE name [(columns)] — dropped at commit on PostgreSQL; follow with AS
        query when no columns are given."""
        cols = f" ({columns})" if columns else ""
        return f"CREATE TEMP TABLE {name}{cols}" + (" ON COMMIT DROP" if self.pg else "")


class Names:
    def __init__(self, job_id: int):
        n = f"{job_id}_{int(time.time() * 1000) % 100000}"
        self.raw = f"vs_raw_{n}"
        self.typed = f"vs_typed_{n}"
        self.orders = f"vs_orders_{n}"
        self.staff = f"vs_staff_{n}"
        self.rows = f"vs_rows_{n}"
        self.errs = f"vs_errs_{n}"
        self.iv = f"vs_iv_{n}"
        self.ivw = f"vs_ivw_{n}"
        self.written = f"vs_written_{n}"

    def all(self):
        return [
            self.raw,
            self.typed,
            self.orders,
            self.staff,
            self.rows,
            self.errs,
            self.iv,
            self.ivw,
            self.written,
        ]


def stream_visits(
    job: UploadJob, *, actor, dry_run: bool, progress, typing: str | None = None, now=None
) -> Outcome:
    """Check (dry_run) or import a large visit file. `typing` forces "sql" or "python" parsing
    (tests); by default PostgreSQL types in SQL and other databases in Python."""
    pg = connection.vendor == "postgresql"
    typing = typing or ("sql" if pg else "python")
    now = now or timezone.now()
    names = Names(job.pk)
    d = Dialect(pg)
    with job.file.open("rb") as handle:
        importer = _Importer(handle, job=job, actor=actor, names=names, dialect=d, now=now, progress=progress)
        try:
            with transaction.atomic():
                outcome = importer.run(typing=typing, dry_run=dry_run)
                if not outcome.written:
                    transaction.set_rollback(True)
        finally:
            if not pg:
                with connection.cursor() as cursor:
                    for table in names.all():
                        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return outcome


class _Importer:
    def __init__(self, handle, *, job, actor, names: Names, dialect: Dialect, now, progress):
        self.handle = handle
        self.job = job
        self.actor = actor
        self.provider = actor.organisation
        self.n = names
        self.d = dialect
        self.now = now
        self.progress = progress
        self.is_xlsx = job.original_name.lower().endswith(".xlsx")

    def sql(self, statement: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            return cursor.rowcount

    def fetch(self, statement: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            return cursor.fetchall()

    # -- the steps --------------------------------------------------------------------------------

    def run(self, *, typing: str, dry_run: bool) -> Outcome:
        if self.d.pg:
            self.sql("SET LOCAL work_mem = '64MB'")
            self.sql("SELECT pg_advisory_xact_lock(%s, %s)", [4004, self.provider.pk])
        self.create_tables()
        if typing == "sql":
            self.stage_raw()
            self.progress("Checking dates and times", force=True)
            self.type_in_sql()
        else:
            self.type_in_python()
        read = self.fetch(f"SELECT COUNT(*) FROM {self.n.typed}")[0][0]
        self.progress("Matching orders and carers", 0, read, force=True)
        self.resolve()
        self.progress("Checking rows", force=True)
        self.check_rows()
        self.progress("Checking carers' times", force=True)
        self.check_overlaps()
        outcome = self.outcome(read)
        if outcome.ok and not dry_run:
            self.progress(f"Saving {outcome.new + outcome.updated:,} visits", force=True)
            restore = self.check_keys_once()
            self.merge()
            self.progress("Recording the history", force=True)
            self.audit()
            if restore:  # (after an error the rollback restores it)
                self.sql(f"SET LOCAL session_replication_role = {restore}")
            self.progress("Raising alerts", force=True)
            self.alerts()
            outcome.written = True
        self.progress("Committing", force=True)
        return outcome

    def create_tables(self):
        t = self.d.types()
        dt_cols = ", ".join(f"{c} {t['ts']}, {SHORT[c]}_us {t['big']}" for c in DATETIMES)
        text_cols = ", ".join(f"{c} text" for c in (*TEXTS, *CHOICES))
        self.sql(
            self.d.temp(
                self.n.typed,
                f"row_no {t['big']} PRIMARY KEY, {text_cols}, carers integer, "
                f"time_critical {t['bool']}, {dt_cols}, visit_date {t['date']}, "
                "f_as integer, f_ca integer, f_carers integer, f_mr integer, parse_problems text",
            )
        )
        self.sql(
            self.d.temp(
                self.n.errs,
                f"row_no {t['big']}, field text, code text, p1 text, p2 text, p3 text, p4 text, message text",
            )
        )

    # 1. stage (PostgreSQL): COPY the bytes
    def stage_raw(self):
        headers, _raw_headers = self.headers()
        self.columns = []
        for i, name in enumerate(headers):
            self.columns.append(name if name in COLUMNS_BY_NAME else f"x_{i}")
        cols = ", ".join(f"{c} text" for c in self.columns)
        self.sql(
            self.d.temp(self.n.raw, f"row_no bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), {cols}")
        )
        total = self.job.size_bytes or 1
        self.progress("Reading the file", 0, total, force=True)
        column_list = ", ".join(self.columns)
        raw_cursor = connection.connection.cursor()
        try:
            if self.is_xlsx:
                with raw_cursor.copy(f"COPY {self.n.raw} ({column_list}) FROM STDIN") as copy:
                    for number, (_row_no, cells) in enumerate(self.xlsx_rows(len(self.columns)), start=1):
                        copy.write_row(cells)
                        if number % 20000 == 0:
                            self.progress(done=min(total, number * 100))
            else:
                encoding = self.csv_encoding()
                with raw_cursor.copy(
                    f"COPY {self.n.raw} ({column_list}) FROM STDIN "
                    f"WITH (FORMAT csv, HEADER true, ENCODING '{encoding}')"
                ) as copy:
                    done = 0
                    pending = b""
                    self.handle.seek(0)
                    first = True
                    while chunk := self.handle.read(1 << 20):
                        done += len(chunk)
                        if first and chunk.startswith(codecs.BOM_UTF8):
                            chunk = chunk[len(codecs.BOM_UTF8) :]
                        first = False
                        # Hold back line ends at the end of what we have: the file's last ones
                        # are not rows, and the ones in between go out with the next chunk.
                        data = pending + chunk
                        stripped = data.rstrip(b"\r\n")
                        pending = data[len(stripped) :]
                        if stripped:
                            copy.write(stripped)
                        self.progress(done=done)
        except Exception as exc:
            raise self.copy_problem(exc) from exc
        finally:
            raw_cursor.close()
        # Rows of nothing but empty cells (a spreadsheet's blank rows) are not rows.
        blank = " AND ".join(f"NULLIF(btrim({c}, {_lit(WS)}), '') IS NULL" for c in self.columns)
        self.sql(f"DELETE FROM {self.n.raw} WHERE {blank}")

    def headers(self):
        self.handle.seek(0)
        if self.is_xlsx:
            rows = self.xlsx_iter()
            try:
                raw_headers = list(next(rows))
            except StopIteration as exc:
                raise Unreadable("The workbook's first sheet is empty.") from exc
            while raw_headers and raw_headers[-1] in (None, ""):
                raw_headers.pop()
        else:
            line = self.handle.readline(1 << 16)
            text = line.decode("utf-8-sig", errors="replace")
            try:
                raw_headers = next(csv.reader([text]))
            except (StopIteration, csv.Error) as exc:
                raise Unreadable("The file is empty.") from exc
        headers = check_headers(VISITS, raw_headers)
        return headers, raw_headers

    def csv_encoding(self) -> str:
        self.handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := self.handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "WIN1252"
        return "UTF8"

    def xlsx_iter(self):
        import openpyxl

        self.handle.seek(0)
        try:
            book = openpyxl.load_workbook(self.handle, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001
            raise Unreadable("The file is not a readable XLSX workbook.") from exc
        self._book = book
        return book.worksheets[0].iter_rows(values_only=True)

    def xlsx_rows(self, width: int):
        rows = self.xlsx_iter()
        next(rows, None)
        try:
            for number, cells in enumerate(rows, start=2):
                cells = list(cells[:width]) + [None] * max(0, width - len(cells))
                yield number, [_cell_text(c) for c in cells]
        finally:
            self._book.close()

    def copy_problem(self, exc) -> Unreadable:
        text = str(exc)
        line = re.search(r"line (\d+)", text)
        row = int(line.group(1)) if line else 1
        if "missing data for column" in text or "extra data after last expected column" in text:
            return Unreadable(
                f"Row {row} does not have one cell for each column of the header row.",
                [
                    Problem(
                        row,
                        "file",
                        "ragged_row",
                        "This row does not have one cell for each column of the header row.",
                    )
                ],
            )
        if "invalid byte sequence" in text:
            return Unreadable("The file is not UTF-8 text: save it as CSV UTF-8.")
        return Unreadable(f"Row {row} could not be read: {text.splitlines()[0]}")

    # 2. type in SQL
    def type_in_sql(self):
        """Text → values in three passes over the staged rows: (1) trim every cell and read the
        times written in the usual shapes (2026-04-01 08:00[:ss], 01/04/2026 08:00[:ss]) with
        PostgreSQL's own parser once their digits are known to be valid; (2) read any other time
        (one-digit parts, fractions, offsets) carefully — usually no rows at all; (3) place the
        times in UK time, refusing the hour the clocks skip or repeat, and check the other cells."""
        present = set(self.columns)
        raw, parsed, careful = self.n.raw, f"{self.n.raw}_p", f"{self.n.raw}_c"

        def col(name):
            return name if name in present else "NULL::text"

        trimmed = ", ".join(
            f"NULLIF(btrim({col(c.name)}, {_lit(WS)}), '') AS {c.name}" for c in VISIT_COLUMNS
        )
        fast = ", ".join(f"{_fast_timestamp(c)} AS {c}_n, NULL::integer AS {c}_off" for c in DATETIMES)
        self.sql(
            f"{self.d.temp(parsed)} AS SELECT q.*, {fast} "
            f"FROM (SELECT row_no, {trimmed} FROM {raw} OFFSET 0) q"
        )
        need = " OR ".join(f"({c} IS NOT NULL AND {c}_n IS NULL)" for c in DATETIMES)
        source = f"SELECT row_no, {', '.join(DATETIMES)} FROM {parsed} WHERE {need}"
        self.sql(f"{self.d.temp(careful)} AS {_careful_timestamps(source)}")
        if self.fetch(f"SELECT EXISTS (SELECT 1 FROM {careful})")[0][0]:
            sets = ", ".join(f"{c}_n = COALESCE(p.{c}_n, c.{c}_n), {c}_off = c.{c}_off" for c in DATETIMES)
            self.sql(f"UPDATE {parsed} p SET {sets} FROM {careful} c WHERE c.row_no = p.row_no")
        # (3) the instant, then what is wrong with each cell; the typed row and its parse
        # problems (as "field<US>code<US>text" entries) in one pass.
        instants = ", ".join(
            f"CASE WHEN {c}_n IS NULL THEN NULL WHEN {c}_off IS NOT NULL "
            f"THEN ({c}_n - {c}_off * interval '1 minute') AT TIME ZONE 'UTC' "
            f"ELSE {c}_n AT TIME ZONE 'Europe/London' END AS {c}_u"
            for c in DATETIMES
        )
        exprs = []
        for c in DATETIMES:
            # The UK's clocks change between 01:00 and 02:00; only times then need the check.
            exprs.append(
                f"CASE WHEN {c} IS NULL THEN NULL WHEN {c}_n IS NULL THEN 'bad_datetime' "
                f"WHEN {c}_off IS NULL AND {c}_n::time < time '03:00' THEN CASE "
                f"WHEN ({c}_u AT TIME ZONE 'Europe/London') <> {c}_n THEN 'nonexistent_time' "
                f"WHEN ((({c}_u - interval '1 hour') AT TIME ZONE 'Europe/London') = {c}_n "
                f"OR (({c}_u + interval '1 hour') AT TIME ZONE 'Europe/London') = {c}_n) THEN 'ambiguous_time' END "
                f"END AS {c}_e"
            )
        for c in TEXTS:
            column = COLUMNS_BY_NAME[c]
            exprs.append(
                f"CASE WHEN {c} IS NULL AND {column.required} THEN 'required' "
                f"WHEN char_length({c}) > {column.max_length} THEN 'too_long' END AS {c}_e"
            )
        exprs.append(
            "CASE WHEN carers IS NULL THEN NULL WHEN translate(carers, '0123456789', '0000000000') NOT IN ('0', '00') "
            "THEN 'bad_int' WHEN carers::int BETWEEN 1 AND 4 THEN NULL ELSE 'bad_int' END AS carers_e"
        )
        exprs.append(
            f"CASE WHEN time_critical IS NULL OR lower(time_critical) IN {_in(TRUE + FALSE)} THEN NULL "
            "ELSE 'bad_bool' END AS time_critical_e"
        )
        for c in CHOICES:
            column = COLUMNS_BY_NAME[c]
            exprs.append(
                f"CASE WHEN {c} IS NULL THEN {_lit('required') if column.required else 'NULL'} "
                f"WHEN lower({c}) IN {_in(column.choices)} THEN NULL ELSE 'bad_choice' END AS {c}_e"
            )
        dt_values = []
        for c in DATETIMES:
            dt_values += [
                f"CASE WHEN {c}_e IS NULL THEN {c}_u END",
                f"CASE WHEN {c}_e IS NULL THEN {self.d.epoch_us(f'{c}_u')} END",
            ]
        failing = [*DATETIMES, *TEXTS, "carers", "time_critical", *CHOICES]
        problems = ", ".join(
            f"CASE WHEN {c}_e IS NOT NULL THEN {_lit(c)} || chr(31) || {c}_e || chr(31) || COALESCE({c}, '') END"
            for c in failing
        )
        select = [
            "row_no",
            *[f"CASE WHEN {c}_e IS NULL THEN {c} END" for c in TEXTS],
            *[f"CASE WHEN {c}_e IS NULL THEN lower({c}) END" for c in CHOICES],
            "CASE WHEN carers IS NULL THEN 1 WHEN carers_e IS NULL THEN carers::int END",
            f"CASE WHEN time_critical_e IS NULL THEN COALESCE(lower(time_critical) IN {_in(TRUE)}, FALSE) END",
            *dt_values,
            "CASE WHEN scheduled_start_e IS NULL THEN (scheduled_start_u AT TIME ZONE 'Europe/London')::date END",
            "CASE WHEN actual_start_e IS NULL THEN 0 ELSE 1 END",
            "CASE WHEN cancelled_at_e IS NULL THEN 0 ELSE 1 END",
            "CASE WHEN carers_e IS NULL THEN 0 ELSE 1 END",
            "CASE WHEN manual_reason_e IS NULL THEN 0 ELSE 1 END",
            f"array_to_string(ARRAY[{problems}], chr(30))",
        ]
        target = [
            "row_no",
            *TEXTS,
            *CHOICES,
            "carers",
            "time_critical",
            *[x for c in DATETIMES for x in (c, f"{SHORT[c]}_us")],
            "visit_date",
            "f_as",
            "f_ca",
            "f_carers",
            "f_mr",
            "parse_problems",
        ]
        self.sql(
            f"INSERT INTO {self.n.typed} ({', '.join(target)}) SELECT {', '.join(select)} "
            f"FROM (SELECT u.*, {', '.join(exprs)} FROM (SELECT p.*, {instants} FROM {parsed} p OFFSET 0) u OFFSET 0) e"
        )
        self.sql(
            f"INSERT INTO {self.n.errs} (row_no, field, code, p1) "
            "SELECT row_no, split_part(x, chr(31), 1), split_part(x, chr(31), 2), split_part(x, chr(31), 3) "
            f"FROM (SELECT row_no, unnest(string_to_array(parse_problems, chr(30))) AS x FROM {self.n.typed} "
            "WHERE parse_problems <> '') p"
        )
        for table in (parsed, careful):
            self.sql(f"DROP TABLE {table}")

    # 2'. type in Python (SQLite under make run; tests on PostgreSQL too)
    def type_in_python(self):
        from django.db import connection as conn

        ops = conn.ops
        headers, _raw = self.headers()
        rows = self.xlsx_rows(len(headers)) if self.is_xlsx else self.csv_rows(len(headers))
        cols = [
            "row_no",
            *TEXTS,
            *CHOICES,
            "carers",
            "time_critical",
            *[x for c in DATETIMES for x in (c, f"{SHORT[c]}_us")],
            "visit_date",
            "f_as",
            "f_ca",
            "f_carers",
            "f_mr",
        ]
        insert = f"INSERT INTO {self.n.typed} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        insert_err = f"INSERT INTO {self.n.errs} (row_no, field, code, message) VALUES (%s, %s, %s, %s)"
        batch, errs = [], []
        total = 0
        for number, cells in rows:
            raw = dict(zip(headers, cells, strict=False))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
                continue
            v, problems = parse_visit(raw, number)
            errs += [(p.row, p.field, p.code, p.message) for p in problems]
            failed = v.parse_failed
            record = [number]
            for c in TEXTS:
                value = getattr(v, c)
                record.append(value if value and c not in failed else None)
            for c in CHOICES:
                value = getattr(v, c)
                record.append(value if value and c not in failed else None)
            record.append(None if "carers" in failed else v.carers)
            record.append(None if "time_critical" in failed else v.time_critical)
            for c in DATETIMES:
                value = getattr(v, c)
                record.append(ops.adapt_datetimefield_value(value) if value is not None else None)
                record.append(_us(value) if value is not None else None)
            record.append(ops.adapt_datefield_value(v.visit_date) if v.scheduled_start is not None else None)
            record += [int(x in failed) for x in ("actual_start", "cancelled_at", "carers", "manual_reason")]
            if self.d.pg:
                record = [
                    bool(x) if i == cols.index("time_critical") and x is not None else x
                    for i, x in enumerate(record)
                ]
            batch.append(record)
            total += 1
            if len(batch) >= 5000:
                self._flush(insert, batch, insert_err, errs)
                batch, errs = [], []
                self.progress("Reading the file", total, total, force=False)
        self._flush(insert, batch, insert_err, errs)

    def _flush(self, insert, batch, insert_err, errs):
        with connection.cursor() as cursor:
            if batch:
                cursor.executemany(insert, batch)
            if errs:
                cursor.executemany(insert_err, errs)

    def csv_rows(self, width: int):
        self.handle.seek(0)
        binary = getattr(self.handle, "file", self.handle)
        encoding = self.csv_encoding_python()
        binary.seek(0)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        reader = csv.reader(text)
        next(reader, None)
        try:
            for number, cells in enumerate(reader, start=2):
                if not cells:
                    raise Unreadable(
                        f"Row {number} is empty: delete the empty row.",
                        [Problem(number, "file", "empty_line", "This row is empty: delete it.")],
                    )
                if len(cells) != width:
                    raise Unreadable(
                        f"Row {number} does not have one cell for each column of the header row.",
                        [
                            Problem(
                                number,
                                "file",
                                "ragged_row",
                                "This row does not have one cell for each column of the header row.",
                            )
                        ],
                    )
                yield number, cells
        finally:
            text.detach()

    def csv_encoding_python(self) -> str:
        return "utf-8-sig" if self.csv_encoding() == "UTF8" else "cp1252"

    # 3. check
    def resolve(self):
        d, n = self.d, self.n
        orders = (
            scoped(IndividualServiceOrder, self.actor)
            .filter(provider=self.provider)
            .values("id", "reference", "status", "start_date", "end_date", "commissioner_id")
        )
        orders_sql, orders_params = orders.query.sql_with_params()
        self.sql(
            f"{d.temp(n.orders)} AS SELECT reference, COUNT(*) AS n, MIN(id) AS id, MIN(status) AS status, "
            f"MIN(start_date) AS start_date, MIN(end_date) AS end_date, MIN(commissioner_id) AS commissioner_id "
            f"FROM ({orders_sql}) o GROUP BY reference",
            orders_params,
        )
        staff_sql, staff_params = (
            StaffMember.objects.filter(provider=self.provider)
            .values("reference", "started_on", "left_on")
            .query.sql_with_params()
        )
        self.sql(f"{d.temp(n.staff)} AS {staff_sql}", staff_params)
        self.register_in_use = StaffMember.objects.filter(provider=self.provider).exists()
        visit = Visit._meta.db_table
        recordable = _in(RECORDABLE_ORDER_STATUSES)
        keyed = (
            "o.n = 1 AND o.status IN {r} AND t.scheduled_start IS NOT NULL AND t.carer_reference IS NOT NULL"
        )
        keyed = keyed.format(r=recordable)
        rows_k = (
            f"SELECT t.*, o.n AS o_n, o.status AS o_status, "
            f"CASE WHEN o.n = 1 AND o.status IN {recordable} THEN o.id END AS order_id, "
            f"o.start_date AS o_start, o.end_date AS o_end, o.commissioner_id AS commissioner_id, "
            f"s1.reference AS s1_ref, s1.started_on AS s1_start, s1.left_on AS s1_left, "
            f"s2.reference AS s2_ref, s2.started_on AS s2_start, s2.left_on AS s2_left, "
            f"CASE WHEN {keyed} THEN 1 ELSE 0 END AS keyed "
            f"FROM {n.typed} t LEFT JOIN {n.orders} o ON o.reference = t.order_reference "
            f"LEFT JOIN {n.staff} s1 ON s1.reference = t.carer_reference "
            f"LEFT JOIN {n.staff} s2 ON s2.reference = t.second_carer_reference"
        )
        if d.pg:  # temporary tables are never analysed by autovacuum; the joins need the counts
            for table in (n.typed, n.orders, n.staff):
                self.sql(f"ANALYZE {table}")
        # The same visit twice in the file: found by hashing the natural keys (no sort of the rows).
        key = "o.id, t.scheduled_start, t.carer_reference"
        self.sql(
            f"{d.temp(n.rows + '_d')} AS SELECT o.id AS order_id, t.scheduled_start, t.carer_reference, "
            f"MIN(t.row_no) AS first_row FROM {n.typed} t JOIN {n.orders} o ON o.reference = t.order_reference "
            f"WHERE {keyed} GROUP BY {key} HAVING COUNT(*) > 1"
        )
        old = ", ".join(
            f"v.{c} AS old_{c}"
            for c in (
                "scheduled_end",
                "actual_start",
                "actual_end",
                "second_carer_reference",
                "carers",
                "time_critical",
                "status",
                "cancelled_at",
                "cancellation_reason",
                "verification",
                "manual_reason",
                "missed_explanation",
                "missed_remedy",
                "missed_explained_at",
            )
        )
        # What a merge would write: blank text as '', and the explanation of a missed visit kept
        # unless replaced (`visits.visit_uploads.apply_input`).
        explanation = "CASE WHEN k.status = 'missed' THEN COALESCE(k.missed_explanation, v.missed_explanation, '') ELSE '' END"
        remedy = (
            "CASE WHEN k.status = 'missed' THEN COALESCE(k.missed_remedy, v.missed_remedy, '') ELSE '' END"
        )
        write = (
            "COALESCE(k.second_carer_reference, '') AS w_second_carer_reference, "
            "COALESCE(k.cancellation_reason, '') AS w_cancellation_reason, "
            "COALESCE(k.manual_reason, '') AS w_manual_reason, "
            "COALESCE(k.verification, 'ecm') AS w_verification, "
            f"{explanation} AS w_missed_explanation, {remedy} AS w_missed_remedy, "
            f"CASE WHEN ({explanation}) <> '' AND ({remedy}) <> '' THEN COALESCE(v.missed_explained_at, %s) END "
            "AS w_missed_explained_at"
        )
        rank = (
            "CASE WHEN k.keyed = 1 THEN CASE WHEN dup.first_row IS NULL OR dup.first_row = k.row_no THEN 1 ELSE 2 END "
            "END AS key_rank, dup.first_row AS first_row"
        )
        self.sql(
            f"{d.temp(n.rows)} AS SELECT k.*, {rank}, v.id AS existing_id, {old}, {write} "
            f"FROM ({rows_k}) k LEFT JOIN {n.rows}_d dup ON dup.order_id = k.order_id "
            "AND dup.scheduled_start = k.scheduled_start AND dup.carer_reference = k.carer_reference "
            f"LEFT JOIN {visit} v ON k.keyed = 1 AND (dup.first_row IS NULL OR dup.first_row = k.row_no) "
            "AND v.order_id = k.order_id AND v.scheduled_start = k.scheduled_start "
            "AND v.carer_reference = k.carer_reference",
            [self.now],
        )
        self.sql(f"DROP TABLE {n.rows}_d")
        if d.pg:  # the later statements join on these columns
            self.sql(
                f"ANALYZE {n.rows} (row_no, order_id, scheduled_start, carer_reference, existing_id, status)"
            )

    def rules(self) -> list[tuple[str, str, str, list[str]]]:
        """(field expression, code, condition, [p1…p4 expressions]) — `visit_rules` and
        `check_visits` in SQL, over the rows table aliased t."""
        now_us = "%(now_us)s"
        day = 86400 * US
        deliv, nothing, cancelled = _in(DELIVERED), _in(NOTHING_DELIVERED), _in(CANCELLED)
        status_ok = "t.status IS NOT NULL"
        reg = self.d.true if self.register_in_use else self.d.false
        reg = f"({reg} = {self.d.true})"
        r = [
            (
                "'order_reference'",
                "unknown_order",
                "t.order_reference IS NOT NULL AND t.o_n IS NULL",
                ["t.order_reference"],
            ),
            ("'order_reference'", "ambiguous_order", "t.o_n > 1", ["t.order_reference"]),
            (
                "'order_reference'",
                "order_not_recordable",
                f"t.o_n = 1 AND t.o_status NOT IN {_in(RECORDABLE_ORDER_STATUSES)}",
                ["t.order_reference", "t.o_status"],
            ),
            (
                "'scheduled_end'",
                "end_before_start",
                "t.ss_us IS NOT NULL AND t.se_us IS NOT NULL AND t.se_us <= t.ss_us",
                [],
            ),
            (
                "'scheduled_end'",
                "visit_too_long",
                f"t.se_us > t.ss_us AND t.se_us - t.ss_us > {MAX_VISIT.total_seconds() * US:.0f}",
                [],
            ),
            (
                "'actual_start'",
                "actual_end_without_start",
                "t.ae_us IS NOT NULL AND t.as_us IS NULL AND t.f_as = 0",
                [],
            ),
            (
                "'actual_end'",
                "actual_end_before_start",
                "t.as_us IS NOT NULL AND t.ae_us IS NOT NULL AND t.ae_us < t.as_us",
                [],
            ),
            (
                "'actual_end'",
                "actual_too_long",
                f"t.as_us IS NOT NULL AND t.ae_us >= t.as_us AND t.ae_us - t.as_us > {day}",
                [],
            ),
            (
                "'actual_start'",
                "actual_far_from_scheduled",
                f"t.as_us IS NOT NULL AND t.ss_us IS NOT NULL AND abs(t.as_us - t.ss_us) > {MAX_ACTUAL_DRIFT.total_seconds() * US:.0f}",
                [],
            ),
        ]
        skew = int(CLOCK_SKEW.total_seconds() * US)
        for c in ("actual_start", "actual_end", "cancelled_at"):
            s = SHORT[c]
            r.append((_lit(c), "future", f"t.{s}_us > {now_us} + {skew}", [f"t.{s}_us"]))
        r += [
            (
                "'second_carer_reference'",
                "same_carer_twice",
                "t.second_carer_reference IS NOT NULL AND t.second_carer_reference = t.carer_reference",
                [],
            ),
            (
                "'carers'",
                "second_carer_count",
                "t.second_carer_reference IS NOT NULL AND (t.carer_reference IS NULL OR "
                "t.second_carer_reference <> t.carer_reference) AND COALESCE(t.carers, 1) < 2 AND t.f_carers = 0",
                [],
            ),
            (
                "CASE WHEN t.as_us IS NULL THEN 'actual_start' ELSE 'actual_end' END",
                "needs_actuals",
                f"t.status IN {deliv} AND (t.as_us IS NULL OR t.ae_us IS NULL)",
                ["t.status"],
            ),
            (
                "'actual_end'",
                "shortened_not_shorter",
                f"t.status = '{VisitStatus.SHORTENED_BY_SERVICE_USER}' AND t.as_us IS NOT NULL AND t.ae_us IS NOT NULL "
                "AND t.ss_us IS NOT NULL AND t.se_us IS NOT NULL AND t.ae_us - t.as_us >= t.se_us - t.ss_us",
                [f"(t.se_us - t.ss_us) / {60 * US}"],
            ),
            (
                "CASE WHEN t.as_us IS NOT NULL THEN 'actual_start' ELSE 'actual_end' END",
                "no_actuals_allowed",
                f"t.status IN {nothing} AND (t.as_us IS NOT NULL OR t.ae_us IS NOT NULL)",
                ["t.status"],
            ),
            ("'actual_end'", "in_progress_has_end", "t.status = 'scheduled' AND t.ae_us IS NOT NULL", []),
            (
                "'cancelled_at'",
                "needs_cancelled_at",
                f"t.status IN {cancelled} AND t.ca_us IS NULL AND t.f_ca = 0",
                [],
            ),
            (
                "'cancelled_at'",
                "cancelled_after_start",
                f"t.status IN {cancelled} AND t.ca_us IS NOT NULL AND t.ss_us IS NOT NULL AND t.ss_us - t.ca_us <= 0",
                [],
            ),
            (
                "'status'",
                "not_short_notice",
                f"t.status = '{VisitStatus.CANCELLED_SHORT_NOTICE}' AND t.ca_us IS NOT NULL AND t.ss_us IS NOT NULL "
                f"AND t.ss_us - t.ca_us > 0 AND t.ss_us - t.ca_us >= {int(SHORT_NOTICE.total_seconds()) * US}",
                ["t.ss_us - t.ca_us"],
            ),
            (
                "'status'",
                "short_notice",
                f"t.status = '{VisitStatus.CANCELLED_WITH_NOTICE}' AND t.ca_us IS NOT NULL AND t.ss_us IS NOT NULL "
                f"AND t.ss_us - t.ca_us > 0 AND t.ss_us - t.ca_us < {int(SHORT_NOTICE.total_seconds()) * US}",
                ["t.ss_us - t.ca_us"],
            ),
            (
                "'cancelled_at'",
                "cancelled_at_not_cancelled",
                f"{status_ok} AND t.status NOT IN {cancelled} AND t.ca_us IS NOT NULL",
                [],
            ),
            (
                "'status'",
                "missed_in_future",
                f"t.status = 'missed' AND t.ss_us IS NOT NULL AND t.ss_us > {now_us}",
                [],
            ),
            (
                "CASE WHEN t.missed_explanation IS NOT NULL THEN 'missed_explanation' ELSE 'missed_remedy' END",
                "explanation_not_missed",
                f"{status_ok} AND t.status <> 'missed' AND (t.missed_explanation IS NOT NULL OR t.missed_remedy IS NOT NULL)",
                [],
            ),
            (
                "'manual_reason'",
                "needs_manual_reason",
                "COALESCE(t.verification, 'ecm') = 'manual' AND t.manual_reason IS NULL AND t.f_mr = 0",
                [],
            ),
            (
                "'manual_reason'",
                "manual_reason_not_manual",
                "COALESCE(t.verification, 'ecm') = 'ecm' AND t.manual_reason IS NOT NULL",
                [],
            ),
            (
                "'scheduled_start'",
                "outside_order",
                "t.order_id IS NOT NULL AND t.visit_date IS NOT NULL AND (t.visit_date < t.o_start OR "
                "(t.o_end IS NOT NULL AND t.visit_date > t.o_end))",
                ["t.visit_date", "t.order_reference", "t.o_start", "t.o_end"],
            ),
            ("'scheduled_start'", "duplicate_row", "t.keyed = 1 AND t.key_rank > 1", ["t.first_row"]),
        ]
        for prefix, field_name, ref in (
            ("s1", "carer_reference", "t.carer_reference"),
            ("s2", "second_carer_reference", "t.second_carer_reference"),
        ):
            r += [
                (
                    _lit(field_name),
                    "unknown_carer",
                    f"{reg} AND {ref} IS NOT NULL AND t.{prefix}_ref IS NULL",
                    [ref],
                ),
                (
                    _lit(field_name),
                    "carer_not_employed",
                    f"{reg} AND t.{prefix}_ref IS NOT NULL AND t.visit_date IS NOT NULL AND (t.visit_date < t.{prefix}_start "
                    f"OR (t.{prefix}_left IS NOT NULL AND t.visit_date > t.{prefix}_left))",
                    [ref, "t.visit_date", f"t.{prefix}_start", f"t.{prefix}_left"],
                ),
            ]
        return r

    def check_rows(self):
        rules = self.rules()
        params = {"now_us": _us(self.now)}

        def p(exprs, i):
            return f"CAST({exprs[i]} AS TEXT)" if i < len(exprs) else "NULL"

        if self.d.pg:
            # One pass: each row gathers the rules it breaks into an array (usually empty), which
            # is unnested; the parameters are worked out afterwards, for those rows only.
            broken = ", ".join(
                f"CASE WHEN {cond} THEN ({field}) || {_lit(f'|{code}|{i}')} END"
                for i, (field, code, cond, _ps) in enumerate(rules)
            )
            params_sql = []
            for k in range(4):
                cases = " ".join(
                    f"WHEN {i} THEN {p(ps, k)}" for i, (_f, _c, _cond, ps) in enumerate(rules) if k < len(ps)
                )
                params_sql.append(f"CASE x.rule {cases} END" if cases else "NULL")
            statement = (
                f"INSERT INTO {self.n.errs} (row_no, field, code, p1, p2, p3, p4) "
                f"SELECT t.row_no, x.field, x.code, {', '.join(params_sql)} FROM {self.n.rows} t "
                "JOIN (SELECT b.row_no, split_part(b.broken, '|', 1) AS field, split_part(b.broken, '|', 2) AS code, "
                "split_part(b.broken, '|', 3)::int AS rule "
                f"FROM (SELECT t.row_no, unnest(array_remove(ARRAY[{broken}], NULL)) AS broken "
                f"FROM {self.n.rows} t) b) x ON x.row_no = t.row_no"
            )
            self.sql_named(statement, params)
        else:
            for field, code, cond, ps in rules:
                self.sql_named(
                    f"INSERT INTO {self.n.errs} (row_no, field, code, p1, p2, p3, p4) "
                    f"SELECT t.row_no, {field}, {_lit(code)}, {p(ps, 0)}, {p(ps, 1)}, {p(ps, 2)}, {p(ps, 3)} "
                    f"FROM {self.n.rows} t WHERE {cond}",
                    params,
                )

    def sql_named(self, statement, params):
        # Only our own integer is named; everything else is SQL we wrote.
        with connection.cursor() as cursor:
            cursor.execute(statement.replace("%(now_us)s", str(int(params["now_us"]))))

    def check_overlaps(self):
        d, n = self.d, self.n
        present = _in(PRESENT)
        span_start = (
            "CASE WHEN t.as_us IS NOT NULL AND t.ae_us IS NOT NULL THEN t.as_us "
            "WHEN t.status = 'scheduled' THEN t.ss_us END"
        )
        span_end = (
            "CASE WHEN t.as_us IS NOT NULL AND t.ae_us IS NOT NULL THEN t.ae_us "
            "WHEN t.status = 'scheduled' THEN t.se_us END"
        )
        rows_with_span = (
            f"SELECT t.row_no, t.carer_reference, t.second_carer_reference, {span_start} AS s, {span_end} AS e "
            f"FROM {n.rows} t WHERE t.ss_us IS NOT NULL AND t.se_us IS NOT NULL AND t.carer_reference IS NOT NULL "
            f"AND t.status IN {present} AND NOT (t.keyed = 1 AND t.key_rank > 1)"
        )
        big = d.types()["big"]
        self.sql(d.temp(n.iv, f"carer text, s {big}, e {big}, src integer, ident {big}, ref text"))
        self.sql(
            f"INSERT INTO {n.iv} (carer, s, e, src, ident, ref) "
            f"SELECT carer_reference, s, e, 0, row_no, NULL FROM ({rows_with_span}) x WHERE s IS NOT NULL AND e > s "
            f"UNION ALL SELECT second_carer_reference, s, e, 0, row_no, NULL FROM ({rows_with_span}) x "
            "WHERE s IS NOT NULL AND e > s AND second_carer_reference IS NOT NULL "
            "AND second_carer_reference <> carer_reference"
        )
        bounds = self.fetch(f"SELECT MIN(s), MAX(e) FROM {n.iv}")[0]
        if bounds[0] is not None:
            lo = _from_us(bounds[0]) - MAX_VISIT - MAX_ACTUAL_DRIFT
            hi = _from_us(bounds[1]) + MAX_ACTUAL_DRIFT
            visit = Visit._meta.db_table
            orders = IndividualServiceOrder._meta.db_table
            v_start = (
                "CASE WHEN v.actual_start IS NOT NULL AND v.actual_end IS NOT NULL THEN v.actual_start "
                "WHEN v.status = 'scheduled' THEN v.scheduled_start END"
            )
            v_end = (
                "CASE WHEN v.actual_start IS NOT NULL AND v.actual_end IS NOT NULL THEN v.actual_end "
                "WHEN v.status = 'scheduled' THEN v.scheduled_end END"
            )
            carers = f"(SELECT DISTINCT carer FROM {n.iv} WHERE src = 0)"
            for column in ("carer_reference", "second_carer_reference"):
                self.sql(
                    f"INSERT INTO {n.iv} (carer, s, e, src, ident, ref) "
                    f"SELECT x.carer, x.s, x.e, 1, x.id, x.ref FROM (SELECT c.carer, {d.epoch_us(v_start)} AS s, "
                    f"{d.epoch_us(v_end)} AS e, v.id, o.reference AS ref FROM {visit} v "
                    f"JOIN {carers} c ON c.carer = v.{column} JOIN {orders} o ON o.id = v.order_id "
                    f"WHERE v.provider_id = %s AND v.scheduled_start >= %s AND v.scheduled_start <= %s "
                    f"AND v.status IN {present} AND v.id NOT IN (SELECT existing_id FROM {n.rows} "
                    "WHERE existing_id IS NOT NULL)"
                    + (
                        " AND (v.second_carer_reference IS NULL OR v.second_carer_reference <> v.carer_reference)"
                        if column == "second_carer_reference"
                        else ""
                    )
                    + ") x WHERE x.s IS NOT NULL AND x.e > x.s",
                    [self.provider.pk, lo, hi],
                )
        order = "ORDER BY s, e, src, ident"
        self.sql(
            f"{d.temp(n.ivw)} AS SELECT carer, s, e, src, ident, ref, "
            f"ROW_NUMBER() OVER (PARTITION BY carer {order}) AS seq, "
            f"LEAD(s) OVER (PARTITION BY carer {order}) AS next_s, "
            f"LEAD(e) OVER (PARTITION BY carer {order}) AS next_e, "
            f"LEAD(src) OVER (PARTITION BY carer {order}) AS next_src, "
            f"LEAD(ident) OVER (PARTITION BY carer {order}) AS next_ident, "
            f"LEAD(ref) OVER (PARTITION BY carer {order}) AS next_ref, "
            f"MAX(e) OVER (PARTITION BY carer {order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e "
            f"FROM {n.iv}"
        )
        flagged = "w.src = 0 AND (w.next_s < w.e OR w.s < w.prev_e)"
        if not self.fetch(f"SELECT EXISTS (SELECT 1 FROM {n.ivw} w WHERE {flagged})")[0][0]:
            return
        self.sql(f"CREATE INDEX {n.ivw}_seq ON {n.ivw} (carer, seq)")
        # The partner: the next interval if it overlaps, else the earliest before with the latest end.
        before = (
            f"(SELECT {{col}} FROM {n.ivw} b WHERE b.carer = w.carer AND b.seq < w.seq AND b.e = w.prev_e "
            "ORDER BY b.seq LIMIT 1)"
        )

        def partner(col, next_col):
            return f"CASE WHEN w.next_s < w.e THEN w.{next_col} ELSE {before.format(col=col)} END"

        field = (
            "CASE WHEN w.carer = r.carer_reference THEN 'carer_reference' ELSE 'second_carer_reference' END"
        )
        other = (
            f"CASE WHEN {partner('src', 'next_src')} = 0 THEN 'row:' || CAST({partner('ident', 'next_ident')} AS TEXT) "
            f"ELSE 'order:' || {partner('ref', 'next_ref')} END"
        )
        self.sql(
            f"INSERT INTO {n.errs} (row_no, field, code, p1, p2, p3, p4) "
            f"SELECT w.ident, {field}, 'overlap', w.carer, {other}, CAST({partner('s', 'next_s')} AS TEXT), "
            f"CAST({partner('e', 'next_e')} AS TEXT) FROM {n.ivw} w JOIN {n.rows} r ON r.row_no = w.ident "
            f"WHERE {flagged}"
        )

    def outcome(self, read: int) -> Outcome:
        n = self.n
        total, rejected = self.fetch(f"SELECT COUNT(*), COUNT(DISTINCT row_no) FROM {n.errs}")[0]
        rows = self.fetch(
            f"SELECT row_no, field, code, p1, p2, p3, p4, message FROM {n.errs} "
            f"WHERE row_no IN (SELECT DISTINCT row_no FROM {n.errs} ORDER BY row_no LIMIT {MAX_ERRORS_KEPT})"
        )
        problems = sorted(
            (_problem(*row) for row in rows), key=lambda p: (p.row, FIELD_ORDER.get(p.field, 99), p.code)
        )[:MAX_ERRORS_KEPT]
        self.changed_sql = " OR ".join(f"{self._final(c)} {self.d.distinct} t.old_{c}" for c in _AUDITED)
        new, updated, unchanged = self.fetch(
            f"SELECT SUM(CASE WHEN t.existing_id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN t.existing_id IS NOT NULL AND ({self.changed_sql}) THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN t.existing_id IS NOT NULL AND NOT ({self.changed_sql}) THEN 1 ELSE 0 END) "
            f"FROM {n.rows} t WHERE t.keyed = 1 AND t.key_rank = 1 AND t.row_no NOT IN (SELECT row_no FROM {n.errs})"
        )[0]
        return Outcome(
            read=read,
            new=new or 0,
            updated=updated or 0,
            unchanged=unchanged or 0,
            rejected=rejected,
            problems=problems,
            problems_total=total,
        )

    # 4. merge
    def check_keys_once(self) -> str | None:
        """PostgreSQL checks each foreign key of each row written, at commit: eight per visit
        (order, provider, commissioner; the audit event's actor, organisation, content type,
        commissioner, provider), which on a million visits takes longer than the rest of the import.
        Every one of those keys names one of a few thousand rows (the file's orders, the
        organisations, the uploader, the content type), so this checks them once each instead:
        it locks those rows as the foreign-key check would (FOR KEY SHARE: nobody can delete them
        or change their ids until this transaction ends) and confirms they all exist; then the
        merge and the audit trail run with the row-by-row foreign-key triggers off
        (`session_replication_role = replica`, for this transaction only; unique and check
        constraints still apply). Returns the setting to restore afterwards, or None when the
        database's own checks run as usual: not PostgreSQL, a role that may not change the
        setting, another trigger on the tables written (it would be skipped too), or a key that
        does not hold (the usual check then reports it)."""
        if not self.d.pg:
            return None
        visit, event = Visit._meta.db_table, AuditEvent._meta.db_table
        if self.fetch(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN (to_regclass(%s), to_regclass(%s)))",
            [visit, event],
        )[0][0]:
            return None
        writing = (
            f"FROM {self.n.rows} t WHERE t.keyed = 1 AND t.key_rank = 1 "
            f"AND (t.existing_id IS NULL OR {self.changed_sql})"
        )
        orders = IndividualServiceOrder._meta.db_table
        organisations = self.provider._meta.db_table
        wanted_orders, commissioners = self.fetch(
            f"SELECT COUNT(DISTINCT t.order_id), array_agg(DISTINCT t.commissioner_id) {writing}"
        )[0]
        org_ids = sorted({self.provider.pk, self.actor.organisation_id, *(commissioners or [])} - {None})
        ct = ContentType.objects.get_for_model(Visit)
        checks = [
            (
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {orders} o WHERE o.id IN "
                f"(SELECT DISTINCT t.order_id {writing}) FOR KEY SHARE) x",
                [],
                wanted_orders,
            ),
            (
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {organisations} o WHERE o.id = ANY(%s) FOR KEY SHARE) x",
                [org_ids],
                len(org_ids),
            ),
            (
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {self.actor._meta.db_table} u WHERE u.id = %s "
                "FOR KEY SHARE) x",
                [self.actor.pk],
                1,
            ),
            (
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {ContentType._meta.db_table} c WHERE c.id = %s "
                "FOR KEY SHARE) x",
                [ct.pk],
                1,
            ),
        ]
        for statement, params, expected in checks:
            if self.fetch(statement, params)[0][0] != expected:
                return None
        before = self.fetch("SELECT current_setting('session_replication_role')")[0][0]
        try:
            with transaction.atomic():  # a savepoint: a role without the right carries on as usual
                self.sql("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return None
        return before

    def merge(self):
        n = self.n
        visit = Visit._meta.db_table
        columns = [
            "order_id",
            "provider_id",
            "commissioner_id",
            "visit_date",
            "scheduled_start",
            "scheduled_end",
            "scheduled_minutes",
            "actual_start",
            "actual_end",
            "actual_minutes",
            "carer_reference",
            "second_carer_reference",
            "carers",
            "time_critical",
            "status",
            "cancelled_at",
            "cancellation_reason",
            "verification",
            "manual_reason",
            "missed_explanation",
            "missed_remedy",
            "missed_explained_at",
            "source",
            "created_at",
            "updated_at",
        ]
        values = [
            "t.order_id",
            "%s",
            "t.commissioner_id",
            "t.visit_date",
            "t.scheduled_start",
            "t.scheduled_end",
            f"(t.se_us - t.ss_us) / {60 * US}",
            "t.actual_start",
            "t.actual_end",
            f"CASE WHEN t.as_us IS NOT NULL AND t.ae_us IS NOT NULL THEN "
            f"CASE WHEN t.ae_us > t.as_us THEN (t.ae_us - t.as_us) / {60 * US} ELSE 0 END END",
            "t.carer_reference",
            "t.w_second_carer_reference",
            "t.carers",
            "t.time_critical",
            "t.status",
            "t.cancelled_at",
            "t.w_cancellation_reason",
            "t.w_verification",
            "t.w_manual_reason",
            "t.w_missed_explanation",
            "t.w_missed_remedy",
            "t.w_missed_explained_at",
            "'upload'",
            "%s",
            "%s",
        ]
        updates = [
            c
            for c in columns
            if c not in ("order_id", "scheduled_start", "carer_reference", "source", "created_at")
        ]
        merge = (
            f"INSERT INTO {visit} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {n.rows} t "
            f"WHERE t.keyed = 1 AND t.key_rank = 1 AND (t.existing_id IS NULL OR {self.changed_sql}) "
            "ORDER BY t.order_id, t.scheduled_start "
            "ON CONFLICT (order_id, scheduled_start, carer_reference) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in updates)
        )
        params = [self.provider.pk, self.now, self.now]
        if not self.d.pg:
            self.written = self.sql(merge, params)
            return
        # PostgreSQL: keep the ids written (and what the audit trail names), so that the audit
        # trail and the alerts need not look each visit up again by its natural key.
        self.sql(
            self.d.temp(
                n.written,
                "id bigint, order_id bigint, scheduled_start timestamptz, carer_reference text, "
                "status text, commissioner_id bigint, provider_id bigint",
            )
        )
        self.written = self.sql(
            f"WITH m AS ({merge} RETURNING id, order_id, scheduled_start, carer_reference, status, "
            f"commissioner_id, provider_id) INSERT INTO {n.written} SELECT * FROM m",
            params,
        )
        self.sql(f"ANALYZE {n.written}")

    def written_visits(self, where: str = "1 = 1"):
        """Visits this import wrote, as a subquery usable in the ORM."""
        n = self.n
        visit = Visit._meta.db_table if not self.d.pg else n.written
        return RawSQL(
            f"SELECT v.id FROM {visit} v JOIN {n.rows} t ON v.order_id = t.order_id "
            "AND v.scheduled_start = t.scheduled_start AND v.carer_reference = t.carer_reference "
            f"WHERE t.keyed = 1 AND t.key_rank = 1 AND (t.existing_id IS NULL OR {self.changed_sql}) AND {where}",
            [],
        )

    def audit(self):
        note = f"Upload {self.job.pk} ({self.job.original_name})"
        actor = self.actor
        ct = ContentType.objects.get_for_model(Visit)
        if self.d.pg:
            self._audit_pg(note, ct)
            return
        from portal import audit as portal_audit

        from .visit_uploads import snapshot_visit

        new_ids = Visit.objects.filter(pk__in=self.written_visits("t.existing_id IS NULL")).values_list(
            "pk", flat=True
        )
        for chunk in _chunks(list(new_ids)):
            portal_audit.record_many(
                actor=actor,
                objects=Visit.objects.filter(pk__in=chunk).select_related("order"),
                action="recorded",
                note=note,
            )
        olds = self.fetch(
            f"SELECT existing_id, {', '.join('old_' + c for c in _AUDITED)} FROM {self.n.rows} t "
            f"WHERE t.existing_id IS NOT NULL AND t.keyed = 1 AND t.key_rank = 1 AND ({self.changed_sql})"
        )
        before = {}
        for row in olds:
            probe = Visit(**dict(zip(_AUDITED, row[1:], strict=True)))
            for c in ("actual_start", "actual_end", "scheduled_end", "cancelled_at"):
                value = getattr(probe, c)
                if isinstance(value, str):
                    setattr(probe, c, _parse_db_datetime(value))
            before[row[0]] = snapshot_visit(probe)
        for chunk in _chunks(list(before)):
            visits = list(Visit.objects.filter(pk__in=chunk).select_related("order"))
            portal_audit.record_many(
                actor=actor,
                objects=visits,
                action="updated",
                note=note,
                changes=lambda v: portal_audit.diff(before[v.pk], snapshot_visit(v)),
            )

    def _audit_pg(self, note, ct):
        n = self.n
        event = AuditEvent._meta.db_table
        labels = " ".join(
            f"WHEN {_lit(value)} THEN {_lit(str(label))}" for value, label in VisitStatus.choices
        )
        repr_sql = (
            "left(t.order_reference || ' ' || to_char(v.scheduled_start AT TIME ZONE 'Europe/London', 'DD Mon YYYY HH24:MI') "
            f"|| ' (' || CASE v.status {labels} END || ')', 200)"
        )
        changes = (
            "jsonb_strip_nulls(jsonb_build_object("
            + ", ".join(
                f"{_lit(c)}, CASE WHEN {self._final(c)} {self.d.distinct} t.old_{c} THEN jsonb_build_array(to_jsonb(t.old_{c}), to_jsonb({self._final(c)})) END"
                for c in _AUDITED
            )
            + "))"
        )
        common = (
            f"INSERT INTO {event} (at, actor_id, actor_organisation_id, action, content_type_id, object_id, "
            "object_repr, changes, note, commissioner_id, provider_id) "
            "SELECT %s, %s, %s, {action}, %s, CAST(v.id AS TEXT), "
            + repr_sql
            + ", {changes}, %s, v.commissioner_id, "
            f"v.provider_id FROM {n.written} v JOIN {n.rows} t ON v.order_id = t.order_id "
            "AND v.scheduled_start = t.scheduled_start AND v.carer_reference = t.carer_reference "
            "WHERE t.keyed = 1 AND t.key_rank = 1 AND {where}"
        )
        params = [self.now, self.actor.pk, self.actor.organisation_id, ct.pk]
        self.sql(
            common.format(action="'recorded'", changes="'{}'::jsonb", where="t.existing_id IS NULL"),
            [*params, note],
        )
        self.sql(
            common.format(
                action="'updated'",
                changes=changes,
                where=f"t.existing_id IS NOT NULL AND ({self.changed_sql})",
            ),
            [*params, note],
        )

    def _final(self, c):
        """The column holding what the merge writes for a visit field."""
        written = ("second_carer_reference", "cancellation_reason", "manual_reason", "verification",
                   "missed_explanation", "missed_remedy")  # fmt: skip
        return f"t.w_{c}" if c in written else f"t.{c}"

    def alerts(self):
        from . import services

        services.missed_alerts_raise(
            Visit.objects.filter(
                pk__in=self.written_visits(
                    "t.status = 'missed' AND (t.old_status IS NULL OR t.old_status <> 'missed')"
                )
            )
        )
        services.missed_alerts_withdraw(
            Visit.objects.filter(
                pk__in=self.written_visits("t.old_status = 'missed' AND t.status <> 'missed'")
            )
        )
        services._explanations_passed_on(
            Visit.objects.filter(
                pk__in=self.written_visits("t.status = 'missed' AND t.w_missed_explained_at IS NOT NULL")
            )
        )
        services.late_alerts_resolve_cleared()
        counted = _in(sorted(services.NOTIFICATION_RUN_STATUSES))
        order_ids, start = set(), None
        for order_id, day in self.fetch(
            f"SELECT t.order_id, MIN(t.visit_date) FROM {self.n.rows} t "
            f"WHERE t.keyed = 1 AND t.key_rank = 1 AND (t.existing_id IS NULL OR {self.changed_sql}) "
            f"AND (t.status IN {counted} OR t.old_status IN {counted}) GROUP BY t.order_id"
        ):
            order_ids.add(order_id)
            day = _as_date(day)
            start = day if start is None or day < start else start
        if order_ids:
            services.run_notifications_raise(
                orders=IndividualServiceOrder.objects.filter(pk__in=sorted(order_ids)), start=start
            )


def _days_in_month(year: str, month: str) -> str:
    """SQL: the month's last day as two digits, for text known to be digits."""
    return (
        f"CASE WHEN {month} = '02' THEN CASE WHEN mod({year}::int, 4) = 0 AND (mod({year}::int, 100) <> 0 "
        f"OR mod({year}::int, 400) = 0) THEN '29' ELSE '28' END "
        f"WHEN {month} IN ('04', '06', '09', '11') THEN '30' ELSE '31' END"
    )


ISO_FAST = ("0000-00-00 00:00", "0000-00-00T00:00", "0000-00-00 00:00:00", "0000-00-00T00:00:00")
UK_FAST = ("00/00/0000 00:00", "00/00/0000T00:00", "00/00/0000 00:00:00", "00/00/0000T00:00:00")


def _fast_timestamp(c: str) -> str:
    """SQL: the wall-clock time in a cell written in the usual shapes, or NULL (another shape,
    or an impossible date or time). The digits are checked as text before PostgreSQL's parser
    sees them, so nothing can make the statement fail."""
    shape = f"translate({c}, '{DIGITS}', '{ZEROS}')"

    def valid(y, mo, d):
        return (
            f"{y} BETWEEN '2000' AND '2100' AND {mo} BETWEEN '01' AND '12' AND {d} BETWEEN '01' AND "
            f"({_days_in_month(y, mo)}) AND substr({c}, 12, 2) <= '23' AND substr({c}, 15, 2) <= '59' "
            f"AND (length({c}) = 16 OR substr({c}, 18, 2) <= '59')"
        )

    iso = valid(f"substr({c}, 1, 4)", f"substr({c}, 6, 2)", f"substr({c}, 9, 2)")
    uk = valid(f"substr({c}, 7, 4)", f"substr({c}, 4, 2)", f"substr({c}, 1, 2)")
    return (
        f"CASE WHEN {c} IS NULL THEN NULL "
        f"WHEN {shape} IN {_in(ISO_FAST)} THEN CASE WHEN {iso} "
        f"THEN (substr({c}, 1, 10) || ' ' || substr({c}, 12))::timestamp END "
        f"WHEN {shape} IN {_in(UK_FAST)} THEN CASE WHEN {uk} "
        f"THEN (substr({c}, 7, 4) || '-' || substr({c}, 4, 2) || '-' || substr({c}, 1, 2) || ' ' || substr({c}, 12))::timestamp END "
        "END"
    )


def _careful_timestamps(source: str) -> str:
    """SQL over `source` (row_no and the time columns as text): each time in any shape the
    row-by-row path accepts, as {c}_n (wall clock) and {c}_off (minutes east of UTC; NULL for UK
    time), both NULL when it is not a time. No regular expressions: PostgreSQL's are slow on
    many rows; the shapes are read with translate() and split_part()."""

    def wrap(inner, exprs, keep):
        return f"SELECT {', '.join([*keep, *exprs])} FROM ({inner} OFFSET 0) q"

    keep = ["row_no", *DATETIMES]
    layer = source
    layer = wrap(layer, [f"strpos(translate({c}, 'Tt', '  '), ' ') AS {c}_p" for c in DATETIMES], keep)
    keep += [f"{c}_p" for c in DATETIMES]
    exprs = []
    for c in DATETIMES:
        exprs += [
            f"CASE WHEN {c}_p > 1 THEN left({c}, {c}_p - 1) END AS {c}_d",
            f"CASE WHEN {c}_p > 1 THEN substr({c}, {c}_p + 1) END AS {c}_r",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in DATETIMES for s in ("d", "r")]
    exprs = []
    for c in DATETIMES:
        exprs += [
            f"translate({c}_d, '{DIGITS}', '{ZEROS}') AS {c}_ds",
            f"COALESCE(right({c}_r, 1) IN ('Z', 'z'), FALSE) AS {c}_z",
            f"COALESCE(greatest(strpos({c}_r, '+'), strpos({c}_r, '-')), 0) AS {c}_op",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in DATETIMES for s in ("ds", "z", "op")]
    exprs = []
    for c in DATETIMES:
        exprs += [
            f"CASE WHEN {c}_z THEN rtrim(left({c}_r, length({c}_r) - 1)) "
            f"WHEN {c}_op > 0 THEN rtrim(left({c}_r, {c}_op - 1)) ELSE {c}_r END AS {c}_tm",
            f"CASE WHEN NOT {c}_z AND {c}_op > 0 THEN substr({c}_r, {c}_op) END AS {c}_of",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in DATETIMES for s in ("tm", "of")]
    exprs = []
    for c in DATETIMES:
        tshape = f"translate({c}_tm, '{DIGITS}', '{ZEROS}')"
        oshape = f"translate({c}_of, '{DIGITS}', '{ZEROS}')"
        exprs.append(
            f"CASE WHEN {c}_ds IN {_in(ISO_DATE)} AND {tshape} IN {_in(ISO_TIME)} "
            f"AND ({c}_of IS NULL OR {oshape} IN {_in(OFFSETS)}) THEN 1 "
            f"WHEN {c}_ds IN {_in(UK_DATE)} AND {tshape} IN {_in(UK_TIME)} AND NOT {c}_z AND {c}_of IS NULL "
            f"THEN 2 END AS {c}_k"
        )
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_k" for c in DATETIMES]
    exprs = []
    for c in DATETIMES:
        sec = f"split_part({c}_tm, ':', 3)"
        exprs += [
            f"CASE {c}_k WHEN 1 THEN split_part({c}_d, '-', 1)::int WHEN 2 THEN split_part({c}_d, '/', 3)::int END AS {c}_y",
            f"CASE {c}_k WHEN 1 THEN split_part({c}_d, '-', 2)::int WHEN 2 THEN split_part({c}_d, '/', 2)::int END AS {c}_mo",
            f"CASE {c}_k WHEN 1 THEN split_part({c}_d, '-', 3)::int WHEN 2 THEN split_part({c}_d, '/', 1)::int END AS {c}_dd",
            f"CASE WHEN {c}_k IS NOT NULL THEN split_part({c}_tm, ':', 1)::int END AS {c}_h",
            f"CASE WHEN {c}_k IS NOT NULL THEN split_part({c}_tm, ':', 2)::int END AS {c}_mi",
            f"CASE WHEN {c}_k IS NOT NULL THEN COALESCE(NULLIF(split_part({sec}, '.', 1), '')::int, 0) END AS {c}_s",
            f"CASE WHEN {c}_k IS NOT NULL THEN rpad(split_part({sec}, '.', 2), 6, '0')::int END AS {c}_us",
            f"CASE WHEN {c}_k IS NULL THEN NULL WHEN {c}_z THEN 0 WHEN {c}_of IS NOT NULL THEN "
            f"(CASE WHEN left({c}_of, 1) = '-' THEN -1 ELSE 1 END) * "
            f"(substr(replace({c}_of, ':', ''), 2, 2)::int * 60 + substr(replace({c}_of, ':', ''), 4, 2)::int) END AS {c}_off",
        ]
    layer = wrap(layer, exprs, ["row_no"])
    exprs = []
    for c in DATETIMES:
        dim = (
            f"CASE WHEN {c}_mo = 2 THEN CASE WHEN (mod({c}_y, 4) = 0 AND mod({c}_y, 100) <> 0) OR mod({c}_y, 400) = 0 "
            f"THEN 29 ELSE 28 END WHEN {c}_mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        )
        valid = (
            f"{c}_y BETWEEN 2000 AND 2100 AND {c}_mo BETWEEN 1 AND 12 AND {c}_dd BETWEEN 1 AND ({dim}) "
            f"AND {c}_h <= 23 AND {c}_mi <= 59 AND {c}_s <= 59 AND abs(COALESCE({c}_off, 0)) <= 840"
        )
        exprs += [
            f"CASE WHEN {valid} THEN make_timestamp({c}_y, {c}_mo, {c}_dd, {c}_h, {c}_mi, {c}_s + {c}_us / 1000000.0) END AS {c}_n",
            f"CASE WHEN {valid} THEN {c}_off END AS {c}_off",
        ]
    return wrap(layer, exprs, ["row_no"])


_AUDITED = (
    "scheduled_end",
    "actual_start",
    "actual_end",
    "second_carer_reference",
    "carers",
    "time_critical",
    "status",
    "cancelled_at",
    "cancellation_reason",
    "verification",
    "manual_reason",
    "missed_explanation",
    "missed_remedy",
)


def _chunks(items, size=2000):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _us(value: dt.datetime) -> int:
    delta = value.astimezone(UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86400 * US + delta.seconds * US + delta.microseconds


def _from_us(value) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=int(value))


def _parse_db_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=UTC)


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _cell_text(value) -> str | None:
    """An XLSX cell as the text a CSV would hold (so both parse alike)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return (
                value.strftime("%Y-%m-%d %H:%M")
                if not (value.second or value.microsecond)
                else value.isoformat(" ")
            )
        return value.isoformat(" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _problem(row_no, field_name, code, p1, p2, p3, p4, text) -> Problem:
    """A problem found in SQL, worded by the same messages as the row-by-row path."""
    if text:
        return Problem(row_no, field_name, code, text)
    column = COLUMNS_BY_NAME.get(field_name)
    params: dict = {}
    if code == "required":
        params = {"label": column.label}
    elif code in (
        "bad_datetime",
        "ambiguous_time",
        "nonexistent_time",
        "bad_bool",
        "bad_int",
        "unknown_order",
        "ambiguous_order",
        "unknown_carer",
    ):
        params = {"value": p1}
    elif code == "bad_choice":
        params = {"value": (p1 or "").lower(), "choices": ", ".join(column.choices)}
    elif code == "too_long":
        params = {"max": column.max_length}
    elif code == "order_not_recordable":
        from packages_of_care.models import OrderStatus

        params = {"value": p1, "status": str(OrderStatus(p2).label).lower()}
    elif code == "outside_order":
        end = _as_date(p4)
        params = {
            "day": _day(_as_date(p1)),
            "value": p2,
            "start": _day(_as_date(p3)),
            "end": _day(end) if end else "open-ended",
        }
    elif code == "carer_not_employed":
        left = _as_date(p4)
        employed = f"from {_day(_as_date(p3))}" + (f" to {_day(left)}" if left else "")
        params = {"value": p1, "day": _day(_as_date(p2)), "employed": employed}
    elif code == "future":
        params = {"value": _when(_from_us(p1))}
    elif code in ("needs_actuals", "no_actuals_allowed"):
        params = {"status": p1}
    elif code == "shortened_not_shorter":
        params = {"scheduled": int(p1)}
    elif code in ("not_short_notice", "short_notice"):
        params = {"hours": _hours(dt.timedelta(microseconds=int(p1)))}
    elif code == "duplicate_row":
        params = {"other": int(p1)}
    elif code == "overlap":
        kind, _sep, ident = (p2 or "").partition(":")
        other = f"row {ident}" if kind == "row" else f"the visit already recorded for order {ident}"
        params = {
            "value": p1,
            "other": other,
            "start": _when(_from_us(p3)),
            "end": timezone.localtime(_from_us(p4), LONDON).strftime("%H:%M"),
        }
    return Problem(row_no, field_name, code, message(code, **params))
