"""Composing SQL statements from querysets, so a rule written once as a queryset method (orders in
force, absences overlapping a period…) can stand inside a larger hand-written statement."""

import itertools
import re
from typing import Any

from django.db.models import QuerySet

_PLACEHOLDER = re.compile(r"(?<!%)%s")


def named_sql(queryset: QuerySet, prefix: str) -> tuple[str, dict[str, Any]]:
    """The queryset's SQL with its positional parameters renamed `%(<prefix><n>)s`, and those
    parameters by name: for a statement that uses named parameters (psycopg takes one style)."""
    sql, params = queryset.query.sql_with_params()
    counter = itertools.count()
    named: dict[str, Any] = {}

    def rename(_match: re.Match[str]) -> str:
        name = f"{prefix}{next(counter)}"
        named[name] = params[len(named)]
        return f"%({name})s"

    sql = _PLACEHOLDER.sub(rename, sql)
    if len(named) != len(params):
        raise ValueError(f"Could not name every parameter of: {sql}")
    return sql, named
