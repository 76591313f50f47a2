"""Status transitions, one way for every model with a workflow.

Each workflow is a table: action → `Transition` (the verb the audit trail and messages use, the
states it may start from, the state it leads to, and which side takes it). `Workflow.apply` checks
the move, sets the status, saves and writes the audit event in one step, so no service can move a
record without the table allowing it or without a trail; `Workflow.allowed` tells pages which
actions to offer. Side effects that differ by action (alerts, dates) stay in the services.

A table and a helper rather than django-fsm-2: our services already own each move's checks, locks
and alerts, bulk paths move many records with one UPDATE, and the pages need the table itself to
offer actions — a decorator per model method would split each move across model and service.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from . import audit
from .models import Actor

#: Who takes a transition: the commissioning side, the providing side, or the portal itself.
COUNCIL = "council"
PROVIDER = "provider"
PORTAL = "portal"
ANY_SIDE = "any"
#: The state of a record not saved yet: a transition from NEW creates the record.
NEW = ""


@dataclass(frozen=True)
class Transition:
    verb: str  # past participle: "issued", "accepted" — the audit action and the refusal message
    sources: frozenset[str]
    target: str
    side: str = ANY_SIDE
    #: What a refused move says, if not the default; may use {subject}, {state} and {verb}.
    refusal: str = ""


class Workflow:
    """A model's transition table.

    >>> flow = Workflow({"submit": Transition("submitted", frozenset({"draft"}), "submitted")})
    >>> sorted(flow.actions_from("draft"))
    ['submit']
    """

    def __init__(
        self,
        transitions: Mapping[str, Transition],
        *,
        field: str = "status",
        describe: Callable[[Any], str] = str,
    ) -> None:
        self.transitions = dict(transitions)
        self.field = field
        self.describe = describe

    def __getitem__(self, action: str) -> Transition:
        return self.transitions[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self.transitions)

    def items(self) -> ItemsView[str, Transition]:
        return self.transitions.items()

    def actions_from(self, state: str) -> set[str]:
        return {name for name, t in self.transitions.items() if state in t.sources}

    def allowed(self, obj: models.Model) -> set[str]:
        """The actions the record's state allows now (whoever may take them)."""
        return self.actions_from(getattr(obj, self.field))

    def sources(self, action: str) -> frozenset[str]:
        return self.transitions[action].sources

    def check(self, obj: models.Model, action: str) -> Transition:
        """The transition, or a ValidationError naming the record and its state."""
        transition = self.transitions[action]
        if getattr(obj, self.field) not in transition.sources:
            state = getattr(obj, f"get_{self.field}_display")().lower()
            refusal = transition.refusal or "{subject} is {state}: it cannot be {verb}."
            raise ValidationError(
                refusal.format(subject=self.describe(obj), state=state, verb=transition.verb)
            )
        return transition

    def move(self, obj: models.Model, action: str) -> str:
        """Check the move and set the new state (not saved). Returns the state it had."""
        transition = self.check(obj, action)
        before = getattr(obj, self.field)
        setattr(obj, self.field, transition.target)
        return before

    def apply(
        self,
        obj: models.Model,
        action: str,
        *,
        actor: Actor,
        note: str = "",
        changes: Mapping[str, list[Any]] | None = None,
        update_fields: list[str] | None = None,
    ) -> str:
        """Check, set the new state, save and audit. `changes`: other fields the caller changed,
        as {field: [old, new]}. Returns the state the record had."""
        before = self.move(obj, action)
        if update_fields is not None:
            obj.save(update_fields=[self.field, *update_fields])
        else:
            obj.save()
        audit.record(
            actor=actor,
            obj=obj,
            action=self.transitions[action].verb,
            changes={self.field: [before, getattr(obj, self.field)], **(changes or {})},
            note=note,
        )
        return before
