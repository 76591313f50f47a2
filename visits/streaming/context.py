"""What the phases of one streaming import share: the job, who imports, the time, the staging
tables' names, and the statements run on the import's connection (inside its transaction)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from portal.uploads.models import UploadJob
from portal.uploads.specs import ProgressFn


@dataclass(frozen=True)
class Tables:
    """The staging tables of one import (temporary, dropped at commit)."""

    raw: str  # the file's cells as text, as COPY staged them
    typed: str  # the cells read as values, with each cell's problem
    orders: str  # the uploader's orders by reference
    staff: str  # the provider's staff register
    rows: str  # each row with what it resolves to, and the stored visit it replaces
    errs: str  # every problem found: row, field, code, check, parameters
    intervals: str  # each carer's times, from the file and the stored visits
    windows: str  # the same, each with its neighbours
    written: str  # the visits the merge wrote

    @classmethod
    def for_job(cls, job_id: int) -> Tables:
        n = f"{job_id}_{int(time.time() * 1000) % 100000}"
        return cls(
            *(
                f"vs_{name}_{n}"
                for name in ("raw", "typed", "orders", "staff", "rows", "errs", "iv", "ivw", "written")
            )
        )


@dataclass
class Import:
    """One streaming import (or its check): the phases read and add to it."""

    job: UploadJob
    actor: Any
    now: dt.datetime
    progress: ProgressFn
    tables: Tables
    #: the staged columns, a column of the upload or `x_<n>` for one it does not know
    staged: list[str] = field(default_factory=list)
    #: whether the provider keeps a staff register (carers are checked against it if so)
    register_in_use: bool = False

    @property
    def provider(self) -> Any:
        return self.actor.organisation

    def sql(self, statement: str, params: Sequence[Any] = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            return int(cursor.rowcount)

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            return list(cursor.fetchall())

    def temp(self, name: str, definition: str) -> None:
        """CREATE TEMP TABLE name (definition), dropped at commit."""
        self.sql(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")

    def temp_as(self, name: str, query: str, params: Sequence[Any] = ()) -> None:
        """CREATE TEMP TABLE name AS query, dropped at commit."""
        self.sql(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {query}", params)
