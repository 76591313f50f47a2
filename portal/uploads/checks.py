"""Checks declared once, run two ways: on rows in Python (small files, forms, the API) and as
one SQL statement over a staging table (the streaming path for large files).

A check is a field, a code, a message and a condition built from expressions:

    SS, SE = Col("scheduled_start", TIME), Col("scheduled_end", TIME)
    Check("scheduled_end", "visit_too_long", "A visit cannot be scheduled for more than 24 hours.",
          (SE > SS) & (SE - SS > dt.timedelta(hours=24)))

Python evaluates the condition with SQL's rules for NULL (None): a comparison with None is
unknown, `a & b` is false if either is false and unknown if either is unknown, and a check fires
only when its condition is true. So the two paths give the same answer on the same row, and a
rule is written once.

Values: TIME is an instant (an aware datetime in Python; microseconds since 1970 in SQL, column
`<name>_us`), DURATION a timedelta (microseconds in SQL), DATE, TEXT, INT, BOOL. `Ctx` values
(such as the time now) are given when the checks run. A message's parameters are expressions
too, formatted in Python from the values either path found.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar

from .columns import UTC, Messages, Problem

US = 1_000_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
TIME, DURATION, DATE, TEXT, INT, BOOL = "time", "duration", "date", "text", "int", "bool"

Row = Mapping[str, Any]
Fn = Callable[[Row], Any]


def to_us(value: dt.datetime | dt.timedelta) -> int:
    """An instant (microseconds since 1970) or a duration in whole microseconds."""
    delta = value - EPOCH if isinstance(value, dt.datetime) else value
    return delta // dt.timedelta(microseconds=1)


def from_sql(kind: str, text: str | None) -> Any:
    """A value SQL gave as text, as Python holds it."""
    if text is None:
        return None
    if kind == TIME:
        return EPOCH + dt.timedelta(microseconds=int(text))
    if kind == DURATION:
        return dt.timedelta(microseconds=int(text))
    if kind == DATE:
        return dt.date.fromisoformat(text[:10])
    if kind == INT:
        return int(text)
    if kind == BOOL:
        return text in ("true", "t")
    return text


def sql_literal(value: Any) -> str:
    """A constant we wrote ourselves (never user input) as SQL."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.timedelta):
        return str(to_us(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[Any]) -> str:
    return "(" + ", ".join(sql_literal(v) for v in values) + ")"


def _operator(node: Callable[[], Callable[[str, Expr, Expr], Any]], op: str) -> Callable[[Expr, Any], Any]:
    """A method building `node()(op, self, other)` (the node classes are defined below)."""

    def build(self: Expr, other: Any) -> Any:
        return node()(op, self, lift(other))

    return build


class Expr:
    """A value of a row, in Python (`fn`) and in SQL (`sql`)."""

    def vtype(self) -> str:
        """TIME, DURATION, DATE, TEXT, INT or BOOL."""
        return TEXT

    def fn(self) -> Fn:
        raise NotImplementedError

    def sql(self) -> str:
        raise NotImplementedError

    def refs(self) -> Iterable[Expr]:
        return ()

    # Comparisons and arithmetic build new expressions (`==` is `eq`: Python's must stay identity).
    __lt__ = _operator(lambda: Compare, "<")
    __le__ = _operator(lambda: Compare, "<=")
    __gt__ = _operator(lambda: Compare, ">")
    __ge__ = _operator(lambda: Compare, ">=")
    eq = _operator(lambda: Compare, "=")
    ne = _operator(lambda: Compare, "<>")
    __sub__ = _operator(lambda: Arith, "-")
    __add__ = _operator(lambda: Arith, "+")

    def is_null(self) -> Cond:
        return IsNull(self)

    def not_null(self) -> Cond:
        return Not(IsNull(self))

    def isin(self, values: Iterable[Any]) -> Cond:
        return In(self, tuple(values))

    def walk(self) -> Iterable[Expr]:
        yield self
        for ref in self.refs():
            yield from ref.walk()


def lift(value: Any) -> Expr:
    return value if isinstance(value, Expr) else Lit(value)


@dataclass(frozen=True, eq=False)
class Col(Expr):
    """A column of the row (`t.<name>` in SQL; an instant is `t.<name>_us`)."""

    name: str
    type: str = TEXT

    def vtype(self) -> str:
        return self.type

    def fn(self) -> Fn:
        return operator.itemgetter(self.name)

    def sql(self) -> str:
        return f"t.{self.name}_us" if self.type == TIME else f"t.{self.name}"


class Ctx(Col):
    """A value given when the checks run (the time now, a setting), the same for every row; in
    SQL a placeholder that `CheckSet.bind` fills."""

    def sql(self) -> str:
        return f"__ctx_{self.name}__"


@dataclass(frozen=True, eq=False)
class Lit(Expr):
    value: Any

    def vtype(self) -> str:
        if isinstance(self.value, bool):
            return BOOL
        if isinstance(self.value, dt.timedelta):
            return DURATION
        if isinstance(self.value, dt.datetime):
            return TIME
        if isinstance(self.value, int):
            return INT
        if isinstance(self.value, dt.date):
            return DATE
        return TEXT

    def fn(self) -> Fn:
        value = self.value
        return lambda r: value

    def sql(self) -> str:
        return sql_literal(self.value)


_ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "<>": operator.ne,
}


@dataclass(frozen=True, eq=False)
class Arith(Expr):
    op: str
    a: Expr
    b: Expr

    def vtype(self) -> str:
        if self.a.vtype() == TIME and self.b.vtype() == TIME:
            return DURATION  # instant − instant
        return self.a.vtype()

    def refs(self) -> Iterable[Expr]:
        return (self.a, self.b)

    def fn(self) -> Fn:
        op, a, b = _ARITH[self.op], self.a.fn(), self.b.fn()

        def run(r: Row) -> Any:
            x, y = a(r), b(r)
            return None if x is None or y is None else op(x, y)

        return run

    def sql(self) -> str:
        return f"({self.a.sql()} {self.op} {self.b.sql()})"


@dataclass(frozen=True, eq=False)
class Abs(Expr):
    a: Expr

    def vtype(self) -> str:
        return self.a.vtype()

    def refs(self) -> Iterable[Expr]:
        return (self.a,)

    def fn(self) -> Fn:
        a = self.a.fn()

        def run(r: Row) -> Any:
            x = a(r)
            return None if x is None else abs(x)

        return run

    def sql(self) -> str:
        return f"abs({self.a.sql()})"


@dataclass(frozen=True, eq=False)
class Coalesce(Expr):
    a: Expr
    b: Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "b", lift(self.b))

    def vtype(self) -> str:
        return self.a.vtype()

    def refs(self) -> Iterable[Expr]:
        return (self.a, self.b)

    def fn(self) -> Fn:
        a, b = self.a.fn(), self.b.fn()

        def run(r: Row) -> Any:
            x = a(r)
            return b(r) if x is None else x

        return run

    def sql(self) -> str:
        return f"COALESCE({self.a.sql()}, {self.b.sql()})"


class Cond(Expr):
    """A condition: True, False or None (unknown)."""

    def vtype(self) -> str:
        return BOOL

    def __and__(self, other: Cond) -> Cond:
        return And((self, other))

    def __or__(self, other: Cond) -> Cond:
        return Or((self, other))

    def __invert__(self) -> Cond:
        return Not(self)


@dataclass(frozen=True, eq=False)
class Compare(Cond):
    op: str
    a: Expr
    b: Expr

    def refs(self) -> Iterable[Expr]:
        return (self.a, self.b)

    def fn(self) -> Fn:
        op, a = _COMPARE[self.op], self.a.fn()
        if isinstance(self.b, Lit):  # the usual case, made cheap: the small-file path runs it per row
            constant = self.b.value

            def against_constant(r: Row) -> bool | None:
                x = a(r)
                return None if x is None or constant is None else bool(op(x, constant))

            return against_constant
        b = self.b.fn()

        def run(r: Row) -> bool | None:
            x, y = a(r), b(r)
            return None if x is None or y is None else bool(op(x, y))

        return run

    def sql(self) -> str:
        return f"({self.a.sql()} {self.op} {self.b.sql()})"


@dataclass(frozen=True, eq=False)
class IsNull(Cond):
    a: Expr

    def refs(self) -> Iterable[Expr]:
        return (self.a,)

    def fn(self) -> Fn:
        if isinstance(self.a, Col):
            name = self.a.name
            return lambda r: r[name] is None
        a = self.a.fn()
        return lambda r: a(r) is None

    def sql(self) -> str:
        return f"({self.a.sql()} IS NULL)"


@dataclass(frozen=True, eq=False)
class In(Cond):
    a: Expr
    values: tuple[Any, ...]

    def refs(self) -> Iterable[Expr]:
        return (self.a,)

    def fn(self) -> Fn:
        a, values = self.a.fn(), frozenset(self.values)

        def run(r: Row) -> bool | None:
            x = a(r)
            return None if x is None else x in values

        return run

    def sql(self) -> str:
        return f"({self.a.sql()} IN {sql_list(self.values)})"


@dataclass(frozen=True, eq=False)
class Not(Cond):
    a: Expr

    def refs(self) -> Iterable[Expr]:
        return (self.a,)

    def fn(self) -> Fn:
        if isinstance(self.a, IsNull) and isinstance(self.a.a, Col):
            name = self.a.a.name
            return lambda r: r[name] is not None
        a = self.a.fn()

        def run(r: Row) -> bool | None:
            x = a(r)
            return None if x is None else not x

        return run

    def sql(self) -> str:
        return f"(NOT {self.a.sql()})"


@dataclass(frozen=True, eq=False)
class Logic(Cond):
    """AND or OR of conditions, with SQL's rules for unknown (None): AND is false if any part is
    false, OR true if any is true; otherwise unknown if any part is unknown."""

    parts: tuple[Expr, ...]
    word: ClassVar[str] = ""
    decides: ClassVar[bool] = False  # the value of a part that decides the whole

    def refs(self) -> Iterable[Expr]:
        return self.parts

    def fn(self) -> Fn:
        fns = [p.fn() for p in self.parts]
        decides, otherwise = self.decides, not self.decides

        def run(r: Row) -> bool | None:
            result: bool | None = otherwise
            for f in fns:
                x = f(r)
                if x is decides:
                    return decides
                if x is None:
                    result = None
            return result

        return run

    def sql(self) -> str:
        return "(" + f" {self.word} ".join(p.sql() for p in self.parts) + ")"


class And(Logic):
    word, decides = "AND", False

    def __and__(self, other: Cond) -> Cond:
        return And((*self.parts, other))


class Or(Logic):
    word, decides = "OR", True

    def __or__(self, other: Cond) -> Cond:
        return Or((*self.parts, other))


@dataclass(frozen=True, eq=False)
class Failed(Cond):
    """The column's cell could not be read (its own problem is reported already); in SQL the
    typed table's `failed_<name>` flag."""

    name: str

    def fn(self) -> Fn:
        name = self.name
        return lambda r: name in r["failed"]

    def sql(self) -> str:
        return f"t.failed_{self.name}"


@dataclass(frozen=True)
class Pick:
    """A field that depends on the row: `first` when `when` holds, else `other`."""

    when: Cond
    first: str
    other: str

    def fn(self) -> Fn:
        when, first, other = self.when.fn(), self.first, self.other
        return lambda r: first if when(r) is True else other

    def sql(self) -> str:
        return (
            f"CASE WHEN {self.when.sql()} THEN {sql_literal(self.first)} ELSE {sql_literal(self.other)} END"
        )


@dataclass(frozen=True)
class Param:
    """A message parameter: `show` applied to the values of `exprs`."""

    exprs: tuple[Expr, ...]
    show: Callable[..., Any] = str


def P(first: Expr, *more: Expr, show: Callable[..., Any] = str) -> Param:
    return Param((first, *more), show)


@dataclass(frozen=True)
class Check:
    field: str | Pick
    code: str
    message: str
    when: Cond
    params: Mapping[str, Param] = dataclass_field(default_factory=dict)

    def field_fn(self) -> Fn:
        if isinstance(self.field, Pick):
            return self.field.fn()
        name = self.field
        return lambda r: name

    def field_sql(self) -> str:
        return self.field.sql() if isinstance(self.field, Pick) else sql_literal(self.field)

    def exprs(self) -> list[Expr]:
        return [e for p in self.params.values() for e in p.exprs]


class CheckSet:
    """Checks, compiled once for Python and rendered once for SQL."""

    def __init__(self, checks: Sequence[Check]):
        self.checks = tuple(checks)
        self.messages = Messages()
        for check in self.checks:
            if self.messages.setdefault(check.code, check.message) != check.message:
                raise ValueError(f"Two messages for the code {check.code}")
        self._compiled = [
            (
                check,
                check.when.fn(),
                check.field_fn(),
                [(name, [e.fn() for e in p.exprs], p.show) for name, p in check.params.items()],
            )
            for check in self.checks
        ]

    @property
    def failed_columns(self) -> list[str]:
        """The columns whose `Failed` flag a check reads."""
        names: dict[str, None] = {}
        for check in self.checks:
            for expr in check.when.walk():
                if isinstance(expr, Failed):
                    names[expr.name] = None
        return list(names)

    # Python ----------------------------------------------------------------------------------

    def run(self, row_no: int, row: Row) -> list[Problem]:
        """The problems of one row (a mapping of column values, resolved values, the `failed`
        set and the context values)."""
        problems = []
        for check, when, field_of, params in self._compiled:
            if when(row) is True:
                values = {name: show(*(f(row) for f in fns)) for name, fns, show in params}
                problems.append(Problem(row_no, field_of(row), check.code, check.message.format(**values)))
        return problems

    # SQL ---------------------------------------------------------------------------------------

    def select_sql(self, table: str) -> str:
        """SELECT row_no, field, code, rule, params (text[]) for every check a row of `table`
        (aliased t) breaks, in one pass: each row gathers the checks it breaks into an array
        (usually empty), which is unnested; the parameters are worked out afterwards, for those
        rows only. Context values appear as placeholders: `bind` them."""
        broken = ", ".join(
            f"CASE WHEN {check.when.sql()} THEN ({check.field_sql()}) || {sql_literal(f'|{check.code}|{i}')} END"
            for i, check in enumerate(self.checks)
        )
        cases = " ".join(
            f"WHEN {i} THEN ARRAY[{', '.join(f'CAST({e.sql()} AS TEXT)' for e in check.exprs())}]::text[]"
            for i, check in enumerate(self.checks)
            if check.exprs()
        )
        params = f"CASE x.rule {cases} END" if cases else "NULL::text[]"
        return (
            f"SELECT t.row_no, x.field, x.code, x.rule, {params} FROM {table} t "  # noqa: S608 - ours
            "JOIN (SELECT b.row_no, split_part(b.broken, '|', 1) AS field, "
            "split_part(b.broken, '|', 2) AS code, split_part(b.broken, '|', 3)::int AS rule "
            f"FROM (SELECT t.row_no, unnest(array_remove(ARRAY[{broken}], NULL)) AS broken "
            f"FROM {table} t) b) x ON x.row_no = t.row_no"
        )

    @staticmethod
    def bind(statement: str, context: Mapping[str, Any]) -> str:
        """Put the context values (ours: times, flags, numbers) into the SQL."""
        for name, value in context.items():
            statement = statement.replace(f"__ctx_{name}__", sql_literal(value))
        return statement

    def problem(self, rule: int, row_no: int, field_name: str, params: Sequence[str | None]) -> Problem:
        """A problem SQL found, worded as Python words it."""
        check = self.checks[rule]
        texts = iter(params or ())
        values = {
            name: p.show(*(from_sql(e.vtype(), next(texts)) for e in p.exprs))
            for name, p in check.params.items()
        }
        return Problem(row_no, field_name, check.code, check.message.format(**values))
