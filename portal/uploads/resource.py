"""Check a table with its kind's spec and write it all-or-nothing, through django-import-export.

`submit` is the one way a small submission is written: the file upload (for files below the
streaming threshold) and the bulk API both call it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from import_export import resources

from portal import audit
from portal.models import User

from .columns import Problem
from .files import Table, Unreadable
from .specs import MAX_ERRORS_KEPT, Outcome, Prepared, UploadSpec

logger = logging.getLogger(__name__)


class CheckedResource(resources.ModelResource):
    """A django-import-export resource whose rows are checked by an UploadSpec, set-based.

    `before_import` parses and checks the whole dataset at once (so rules across rows see every
    row); each row then raises its problems, finds its stored instance without a query of its own,
    is skipped when unchanged, and is written in bulk. Any problem anywhere and nothing is written."""

    class Meta:
        fields = ("id",)
        use_bulk = True
        batch_size = 2000
        skip_unchanged = True
        skip_diff = True
        report_skipped = False
        clean_model_instances = False
        use_transactions = True

    def __init__(
        self, spec: UploadSpec, *, user: User, now: dt.datetime, source: str, row_numbers: list[int]
    ) -> None:
        super().__init__()
        self.spec = spec
        self.user = user
        self.now = now
        self.source = source
        self.row_numbers = row_numbers
        self.prepared: list[Prepared | None] = []
        self.problems: list[Problem] = []
        self.problems_by_row: dict[int, list[Problem]] = defaultdict(list)
        self.current: Prepared | None = None
        self.created: list[Prepared] = []
        self.changed: list[Prepared] = []

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        headers = dataset.headers
        rows = [
            (self.row_numbers[i], dict(zip(headers, values, strict=False)))
            for i, values in enumerate(dataset)
        ]
        self.prepared, self.problems = self.spec.prepare(
            rows, user=self.user, now=self.now, source=self.source
        )
        for p in self.problems:
            self.problems_by_row[p.row].append(p)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self.current = self.prepared[kwargs["row_number"] - 1]

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        if self.current is not None and not self.current.is_new:
            return self.current.instance
        return None

    def init_instance(self, row: Any = None) -> Any:
        if self.current is not None:
            return self.current.instance
        return self._meta.model()

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        problems = self.problems_by_row.get(self.row_numbers[kwargs["row_number"] - 1])
        if problems or self.current is None:
            errors: dict[str, list[str]] = defaultdict(list)
            for p in problems or []:
                errors[p.field].append(p.message)
            raise ValidationError(dict(errors) or {"__all__": ["This row could not be read."]})

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        if import_validation_errors or self.current is None or self.current.before is None:
            return False
        return self.spec.snapshot(instance) == self.current.before

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        if self.current is not None:
            (self.created if is_create else self.changed).append(self.current)
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self) -> list[str]:
        return list(self.spec.update_fields)

    def bulk_create(self, using_transactions: bool, dry_run: bool, raise_errors: bool, **kwargs: Any) -> None:
        if self.problems:  # all-or-nothing: a rejected row anywhere and nothing is written
            self.create_instances.clear()
            return
        super().bulk_create(using_transactions, dry_run, raise_errors, **kwargs)

    def bulk_update(self, using_transactions: bool, dry_run: bool, raise_errors: bool, **kwargs: Any) -> None:
        if self.problems:
            self.update_instances.clear()
            return
        now = timezone.now()
        for instance in self.update_instances:
            if hasattr(instance, "updated_at"):
                instance.updated_at = now
        super().bulk_update(using_transactions, dry_run, raise_errors, **kwargs)


_RESOURCES: dict[str, type[CheckedResource]] = {}


def resource_class(spec: UploadSpec) -> type[CheckedResource]:
    """The import-export resource class for a kind's model (built once)."""
    if spec.kind not in _RESOURCES:
        meta = type("Meta", (CheckedResource.Meta,), {"model": spec.model})
        _RESOURCES[spec.kind] = type(
            f"{spec.model.__name__}UploadResource", (CheckedResource,), {"Meta": meta}
        )
    return _RESOURCES[spec.kind]


def submit(
    spec: UploadSpec,
    table: Table,
    *,
    actor: User,
    source: str,
    dry_run: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """Check a table and, unless `dry_run` or a row is rejected, write it: all-or-nothing,
    audited, with the kind's consequences (alerts) in the same transaction."""
    now = now or timezone.now()
    dataset = tablib.Dataset(*[cells for _n, cells in table.rows], headers=table.headers)
    resource = resource_class(spec)(
        spec, user=actor, now=now, source=source, row_numbers=[n for n, _c in table.rows]
    )
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        if result.base_errors:
            transaction.set_rollback(True)
            error = result.base_errors[0].error
            logger.warning("Upload failed: %r", error)
            raise Unreadable(f"The rows could not be saved: {error}")
        totals = result.totals
        outcome = Outcome(
            read=len(table.rows),
            new=totals["new"],
            updated=totals["update"],
            unchanged=totals["skip"],
            rejected=len({p.row for p in resource.problems}),
            problems=resource.problems[:MAX_ERRORS_KEPT],
            problems_total=len(resource.problems),
        )
        if outcome.ok and not dry_run:
            created = [p.instance for p in resource.created]
            changed = [(p.instance, p.before or {}) for p in resource.changed]
            audit.record_many(actor=actor, objects=created, action="recorded", note=note)
            audit.record_many(
                actor=actor,
                objects=[i for i, _b in changed],
                action="updated",
                note=note,
                changes=changes_since(spec, changed),
            )
            spec.after_write(created=created, changed=changed, actor=actor)
            outcome.created, outcome.changed, outcome.written = created, [i for i, _b in changed], True
    return outcome


def changes_since(
    spec: UploadSpec, changed: list[tuple[Any, dict[str, Any]]]
) -> Callable[[models.Model], dict[str, Any]]:
    """For the audit trail: each changed instance's fields that differ from its stored values."""
    befores = {id(i): b for i, b in changed}

    def changes(instance: models.Model) -> dict[str, Any]:
        return audit.diff(befores[id(instance)], spec.snapshot(instance))

    return changes
