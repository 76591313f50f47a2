"""What one kind of upload holds and how its rows are checked (`UploadSpec`), and what a check
or an import found (`Outcome`).

A kind's checks run set-based over the whole submission in its `prepare` (so rules across rows —
the same record twice, a carer in two places — see every row), and the web form, the bulk API and
the upload all apply them. Apps register their kinds in `hooks.py` (`portal.hooks.register_upload`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models

from portal import audit
from portal.models import User

from .columns import Column, Problem
from .models import UploadJob

MAX_ERRORS_KEPT = 1000

#: Reports a streaming import's progress: (phase, done, total, force).
ProgressFn = Callable[..., None]


@dataclass
class Prepared:
    """One checked row, ready to write: a new instance, or the stored one with the new values."""

    row: int
    instance: Any
    is_new: bool
    before: dict[str, Any] | None = None  # the stored values, to tell unchanged from updated


@dataclass
class Outcome:
    """What a check or an import found."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    created: list[Any] = field(default_factory=list)
    changed: list[Any] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def summary(self) -> dict[str, int]:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class UploadSpec:
    """One kind of upload. Subclasses set the class attributes and implement `prepare` (and may
    implement `after_write`, and `stream` for files too large to check row by row)."""

    kind: ClassVar[str] = ""
    #: what the kind is called in lists of uploads
    label: ClassVar[str] = ""
    model: Any = None
    columns: tuple[Column, ...] = ()
    #: fields compared to tell an updated row from an unchanged one, and written by updates
    compared_fields: tuple[str, ...] = ()
    #: fields bulk_update writes (compared fields plus derived ones)
    update_fields: tuple[str, ...] = ()
    title = ""
    noun_plural = ""
    #: URL names: the kind's records, its upload page, its template (with a `fmt` argument)
    list_url_name = ""
    upload_url_name = ""
    template_url_name = ""
    examples: tuple[dict[str, Any], ...] = ()
    guidance: tuple[str, ...] = ()

    def prepare(
        self, rows: list[tuple[int, dict[str, Any]]], *, user: User, now: dt.datetime, source: str
    ) -> tuple[list[Prepared | None], list[Problem]]:
        raise NotImplementedError

    def after_write(
        self, *, created: list[Any], changed: list[tuple[Any, dict[str, Any]]], actor: User
    ) -> None:
        """Alerts and other consequences of a write (same transaction)."""

    def streaming_bytes(self) -> int | None:
        """Files larger than this are streamed (None: never)."""
        return None

    def streaming_rows(self) -> int | None:
        """Files with more rows than this are streamed (None: never)."""
        return None

    def stream(self, job: UploadJob, *, actor: User, dry_run: bool, progress: ProgressFn) -> Outcome:
        """Check (dry_run) or import a large file set-based in the database."""
        raise NotImplementedError

    def snapshot(self, instance: models.Model) -> dict[str, Any]:
        return audit.snapshot(instance, self.compared_fields)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def sort_problems(problems: Sequence[Problem], columns: Sequence[Column]) -> list[Problem]:
    """By row, then in the order of the columns (problems not about a column last)."""
    order = {c.name: i for i, c in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row, order.get(p.field, len(order))))
