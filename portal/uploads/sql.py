# ruff: noqa: S608 - the SQL here is built from our own table and column names; values are parameters.
"""Columns read in SQL: the twin of `columns.parse_value` for the streaming path, generated from
the same `Column` declarations, giving the same codes (and so the same messages, worded by
`columns.column_problem`).

Text cells staged as they are (COPY) become typed values in three passes over the rows:
(1) trim every cell and read the times written in the usual shapes (2026-04-01 08:00[:ss],
01/04/2026 08:00[:ss]) with PostgreSQL's own parser once their digits are known to be valid;
(2) read any other time (one-digit parts, fractions, offsets) carefully — usually no rows at all;
(3) place the times in UK time, refusing the hour the clocks skip or repeat, and check the other
cells. No regular expressions: PostgreSQL's are slow on millions of rows; shapes are read with
translate() and split_part(). Nothing a cell holds can make a statement fail.

Only the kinds the streaming path needs are here: text, choice, int, bool and datetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .checks import sql_list, sql_literal
from .columns import FALSE, INT_DIGITS, TRUE, Column

WS = " \t\r\n\f\v\u00a0"
DIGITS, ZEROS = "0123456789", "0" * 10
HM = ("0:00", "00:00")
UK_TIME = HM + tuple(t + ":00" for t in HM)
ISO_TIME = UK_TIME + tuple(f"{t}:00.{'0' * k}" for t in HM for k in range(1, 7))
ISO_DATE = ("0000-0-0", "0000-0-00", "0000-00-0", "0000-00-00")
UK_DATE = ("0/0/0000", "0/00/0000", "00/0/0000", "00/00/0000")
OFFSETS = ("+00:00", "+0000", "-00:00", "-0000")
ISO_FAST = ("0000-00-00 00:00", "0000-00-00T00:00", "0000-00-00 00:00:00", "0000-00-00T00:00:00")
UK_FAST = ("00/00/0000 00:00", "00/00/0000T00:00", "00/00/0000 00:00:00", "00/00/0000T00:00:00")
SQL_TYPES = {"text": "text", "choice": "text", "int": "integer", "bool": "boolean"}


class Database(Protocol):
    def sql(self, statement: str, params: Sequence[Any] = ()) -> int: ...

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


def epoch_us(expr: str) -> str:
    """An instant as microseconds since 1970 (date_part is double precision, faster than
    EXTRACT's numeric; rounding makes it exact)."""
    return f"round(date_part('epoch', {expr}) * 1000000)::bigint"


def blank_row(columns: Sequence[str]) -> str:
    """SQL: every one of these text cells is empty (a spreadsheet's blank row)."""
    return " AND ".join(f"NULLIF(btrim({c}, {sql_literal(WS)}), '') IS NULL" for c in columns)


@dataclass(frozen=True)
class SqlTyping:
    """The typed table of a kind's columns: `<name>` typed (an instant also as `<name>_us`), a
    `failed_<name>` flag for the columns checks ask about, `derived` values, and the cells'
    problems; and the statements that fill it from a staged table of text."""

    columns: Sequence[Column]
    failed: Sequence[str] = ()
    #: (name, SQL type, expression over the read values `<c>_u` and their errors `<c>_e`)
    derived: Sequence[tuple[str, str, str]] = ()

    def __post_init__(self) -> None:
        for column in self.columns:
            if column.kind not in (*SQL_TYPES, "datetime"):
                raise ValueError(f"{column.name}: no SQL typing for {column.kind} columns")

    @property
    def datetimes(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "datetime"]

    def table_ddl(self) -> str:
        parts = ["row_no bigint PRIMARY KEY"]
        for c in self.columns:
            if c.kind == "datetime":
                parts += [f"{c.name} timestamptz", f"{c.name}_us bigint"]
            else:
                parts.append(f"{c.name} {SQL_TYPES[c.kind]}")
        parts += [f"{name} {sql_type}" for name, sql_type, _e in self.derived]
        parts += [f"failed_{name} boolean" for name in self.failed]
        parts.append("parse_problems text")
        return ", ".join(parts)

    def fill(self, db: Database, *, raw: str, present: set[str], typed: str, errs: str) -> None:
        """Type the rows of `raw` (row_no and text columns, those in `present`) into `typed`, and
        write each cell's problem into `errs` (row_no, field, code, p = [the cell])."""
        parsed, careful = f"{raw}_p", f"{raw}_c"
        dts = self.datetimes

        def cell(name: str) -> str:
            return name if name in present else "NULL::text"

        trimmed = ", ".join(
            f"NULLIF(btrim({cell(c.name)}, {sql_literal(WS)}), '') AS {c.name}" for c in self.columns
        )
        fast = "".join(f", {fast_timestamp(c)} AS {c}_n, NULL::integer AS {c}_off" for c in dts)
        db.sql(
            f"CREATE TEMP TABLE {parsed} ON COMMIT DROP AS SELECT q.*{fast} "
            f"FROM (SELECT row_no, {trimmed} FROM {raw} OFFSET 0) q"
        )
        if dts:
            need = " OR ".join(f"({c} IS NOT NULL AND {c}_n IS NULL)" for c in dts)
            source = f"SELECT row_no, {', '.join(dts)} FROM {parsed} WHERE {need}"
            db.sql(f"CREATE TEMP TABLE {careful} ON COMMIT DROP AS {careful_timestamps(source, dts)}")
            if db.fetch(f"SELECT EXISTS (SELECT 1 FROM {careful})")[0][0]:
                sets = ", ".join(f"{c}_n = COALESCE(p.{c}_n, c.{c}_n), {c}_off = c.{c}_off" for c in dts)
                db.sql(f"UPDATE {parsed} p SET {sets} FROM {careful} c WHERE c.row_no = p.row_no")
        instants = "".join(
            f", CASE WHEN {c}_n IS NULL THEN NULL WHEN {c}_off IS NOT NULL "
            f"THEN ({c}_n - {c}_off * interval '1 minute') AT TIME ZONE 'UTC' "
            f"ELSE {c}_n AT TIME ZONE 'Europe/London' END AS {c}_u"
            for c in dts
        )
        errors = ", ".join(f"{self.error(c)} AS {c.name}_e" for c in self.columns)
        target, values = ["row_no"], ["row_no"]
        for c in self.columns:
            target.append(c.name)
            values.append(self.value(c))
            if c.kind == "datetime":
                target.append(f"{c.name}_us")
                values.append(f"CASE WHEN {c.name}_e IS NULL THEN {epoch_us(c.name + '_u')} END")
        for name, _type, expr in self.derived:
            target.append(name)
            values.append(expr)
        for name in self.failed:
            target.append(f"failed_{name}")
            values.append(f"{name}_e IS NOT NULL")
        # Each cell's problem as "field<US>code<US>cell", the row's joined by <RS>.
        problems = ", ".join(
            f"CASE WHEN {c.name}_e IS NOT NULL THEN {sql_literal(c.name)} || chr(31) || {c.name}_e "
            f"|| chr(31) || COALESCE({c.name}, '') END"
            for c in self.columns
        )
        target.append("parse_problems")
        values.append(f"array_to_string(ARRAY[{problems}], chr(30))")
        db.sql(
            f"INSERT INTO {typed} ({', '.join(target)}) SELECT {', '.join(values)} "
            f"FROM (SELECT u.*, {errors} FROM (SELECT p.*{instants} FROM {parsed} p OFFSET 0) u OFFSET 0) e"
        )
        db.sql(
            f"INSERT INTO {errs} (row_no, field, code, p) "
            "SELECT row_no, split_part(x, chr(31), 1), split_part(x, chr(31), 2), "
            "ARRAY[split_part(x, chr(31), 3)] "
            f"FROM (SELECT row_no, unnest(string_to_array(parse_problems, chr(30))) AS x FROM {typed} "
            "WHERE parse_problems <> '') p"
        )
        db.sql(f"DROP TABLE {parsed}")
        if dts:
            db.sql(f"DROP TABLE {careful}")

    @staticmethod
    def error(c: Column) -> str:
        """SQL: the code of what is wrong with the cell, or NULL (`parse_value`'s rules)."""
        n = c.name
        empty = f"WHEN {n} IS NULL THEN {sql_literal('required') if c.required else 'NULL'}"
        if c.kind == "text":
            too_long = f" WHEN char_length({n}) > {c.max_length} THEN 'too_long'" if c.max_length else ""
            return f"CASE {empty}{too_long} END"
        if c.kind == "choice":
            return f"CASE {empty} WHEN lower({n}) IN {sql_list(c.choices)} THEN NULL ELSE 'bad_choice' END"
        if c.kind == "int":
            low = "" if c.low is None else f" AND {n}::bigint >= {int(c.low)}"
            high = "" if c.high is None else f" AND {n}::bigint <= {int(c.high)}"
            return (
                f"CASE {empty} WHEN translate({n}, {sql_literal(DIGITS)}, '') <> '' "
                f"OR char_length({n}) > {INT_DIGITS} THEN 'bad_int' WHEN TRUE{low}{high} THEN NULL "
                "ELSE 'bad_int' END"
            )
        if c.kind == "bool":
            return f"CASE {empty} WHEN lower({n}) IN {sql_list(TRUE + FALSE)} THEN NULL ELSE 'bad_bool' END"
        # datetime: the UK's clocks change between 01:00 and 02:00; only times then need the check.
        return (
            f"CASE {empty} WHEN {n}_n IS NULL THEN 'bad_datetime' "
            f"WHEN {n}_off IS NULL AND {n}_n::time < time '03:00' THEN CASE "
            f"WHEN ({n}_u AT TIME ZONE 'Europe/London') <> {n}_n THEN 'nonexistent_time' "
            f"WHEN ((({n}_u - interval '1 hour') AT TIME ZONE 'Europe/London') = {n}_n "
            f"OR (({n}_u + interval '1 hour') AT TIME ZONE 'Europe/London') = {n}_n) THEN 'ambiguous_time' END "
            "END"
        )

    @staticmethod
    def value(c: Column) -> str:
        """SQL: the cell's value once read (NULL when it is wrong; the default when empty)."""
        n, ok = c.name, f"{c.name}_e IS NULL"
        default = sql_literal(c.default) if c.kind in ("int", "bool") else "NULL"
        if c.kind == "choice":
            return f"CASE WHEN {ok} THEN lower({n}) END"
        if c.kind == "int":
            return f"CASE WHEN {n} IS NULL THEN {default} WHEN {ok} THEN {n}::int END"
        if c.kind == "bool":
            return f"CASE WHEN {n} IS NULL THEN {default} WHEN {ok} THEN lower({n}) IN {sql_list(TRUE)} END"
        if c.kind == "datetime":
            return f"CASE WHEN {ok} THEN {n}_u END"
        return f"CASE WHEN {ok} THEN {n} END"


def _days_in_month(year: str, month: str) -> str:
    """SQL: the month's last day as two digits, for text known to be digits."""
    return (
        f"CASE WHEN {month} = '02' THEN CASE WHEN mod({year}::int, 4) = 0 AND (mod({year}::int, 100) <> 0 "
        f"OR mod({year}::int, 400) = 0) THEN '29' ELSE '28' END "
        f"WHEN {month} IN ('04', '06', '09', '11') THEN '30' ELSE '31' END"
    )


def fast_timestamp(c: str) -> str:
    """SQL: the wall-clock time in a cell written in the usual shapes, or NULL (another shape,
    or an impossible date or time). The digits are checked as text before PostgreSQL's parser
    sees them, so nothing can make the statement fail."""
    shape = f"translate({c}, '{DIGITS}', '{ZEROS}')"

    def valid(y: str, mo: str, d: str) -> str:
        return (
            f"{y} BETWEEN '2000' AND '2100' AND {mo} BETWEEN '01' AND '12' AND {d} BETWEEN '01' AND "
            f"({_days_in_month(y, mo)}) AND substr({c}, 12, 2) <= '23' AND substr({c}, 15, 2) <= '59' "
            f"AND (length({c}) = 16 OR substr({c}, 18, 2) <= '59')"
        )

    iso = valid(f"substr({c}, 1, 4)", f"substr({c}, 6, 2)", f"substr({c}, 9, 2)")
    uk = valid(f"substr({c}, 7, 4)", f"substr({c}, 4, 2)", f"substr({c}, 1, 2)")
    return (
        f"CASE WHEN {c} IS NULL THEN NULL "
        f"WHEN {shape} IN {sql_list(ISO_FAST)} THEN CASE WHEN {iso} "
        f"THEN (substr({c}, 1, 10) || ' ' || substr({c}, 12))::timestamp END "
        f"WHEN {shape} IN {sql_list(UK_FAST)} THEN CASE WHEN {uk} "
        f"THEN (substr({c}, 7, 4) || '-' || substr({c}, 4, 2) || '-' || substr({c}, 1, 2) || ' ' || substr({c}, 12))::timestamp END "
        "END"
    )


def careful_timestamps(source: str, names: Sequence[str]) -> str:
    """SQL over `source` (row_no and the time columns `names` as text): each time in any shape
    `columns.parse_datetime` accepts, as {c}_n (wall clock) and {c}_off (minutes east of UTC;
    NULL for UK time), both NULL when it is not a time."""

    def wrap(inner: str, exprs: list[str], keep: list[str]) -> str:
        return f"SELECT {', '.join([*keep, *exprs])} FROM ({inner} OFFSET 0) q"

    keep = ["row_no", *names]
    layer = wrap(source, [f"strpos(translate({c}, 'Tt', '  '), ' ') AS {c}_p" for c in names], keep)
    keep += [f"{c}_p" for c in names]
    exprs = []
    for c in names:
        exprs += [
            f"CASE WHEN {c}_p > 1 THEN left({c}, {c}_p - 1) END AS {c}_d",
            f"CASE WHEN {c}_p > 1 THEN substr({c}, {c}_p + 1) END AS {c}_r",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in names for s in ("d", "r")]
    exprs = []
    for c in names:
        exprs += [
            f"translate({c}_d, '{DIGITS}', '{ZEROS}') AS {c}_ds",
            f"COALESCE(right({c}_r, 1) IN ('Z', 'z'), FALSE) AS {c}_z",
            f"COALESCE(greatest(strpos({c}_r, '+'), strpos({c}_r, '-')), 0) AS {c}_op",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in names for s in ("ds", "z", "op")]
    exprs = []
    for c in names:
        exprs += [
            f"CASE WHEN {c}_z THEN rtrim(left({c}_r, length({c}_r) - 1)) "
            f"WHEN {c}_op > 0 THEN rtrim(left({c}_r, {c}_op - 1)) ELSE {c}_r END AS {c}_tm",
            f"CASE WHEN NOT {c}_z AND {c}_op > 0 THEN substr({c}_r, {c}_op) END AS {c}_of",
        ]
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_{s}" for c in names for s in ("tm", "of")]
    exprs = []
    for c in names:
        tshape = f"translate({c}_tm, '{DIGITS}', '{ZEROS}')"
        oshape = f"translate({c}_of, '{DIGITS}', '{ZEROS}')"
        exprs.append(
            f"CASE WHEN {c}_ds IN {sql_list(ISO_DATE)} AND {tshape} IN {sql_list(ISO_TIME)} "
            f"AND ({c}_of IS NULL OR {oshape} IN {sql_list(OFFSETS)}) THEN 1 "
            f"WHEN {c}_ds IN {sql_list(UK_DATE)} AND {tshape} IN {sql_list(UK_TIME)} AND NOT {c}_z AND {c}_of IS NULL "
            f"THEN 2 END AS {c}_k"
        )
    layer = wrap(layer, exprs, keep)
    keep += [f"{c}_k" for c in names]
    exprs = []
    for c in names:
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
    for c in names:
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
