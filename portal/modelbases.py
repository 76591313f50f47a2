"""What many apps' models declare alike: timestamps, a detail page, whose audit trail a record is
in, and the rule that a record's end does not come before its start.

Nothing here changes a table: an abstract model's fields are declared on each model that inherits
it (same names and options as before), and a constraint made here is the constraint written out.
"""

from typing import Any, ClassVar

from django.db import models
from django.urls import reverse


class Timestamped(models.Model):
    """When a record was created and last saved."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DetailPage:
    """A record with a page of its own: `detail_view` names the URL, given the record's pk."""

    detail_view: ClassVar[str]
    pk: Any

    def get_absolute_url(self) -> str:
        return reverse(self.detail_view, args=[self.pk])


class PairParties:
    """A record whose audit trail its commissioner and provider read (see `portal.audit.parties`):
    its own `commissioner` and `provider`, or, given `pair_via`, those of the record that relation
    names (an invoice line's are its invoice's; `portal.tenancy.PairQuerySet` scopes by the same)."""

    pair_via: ClassVar[str] = ""

    def audit_parties(self) -> tuple[int | None, int | None]:
        owner: Any = getattr(self, self.pair_via) if self.pair_via else self
        return owner.commissioner_id, owner.provider_id


class ProviderParty:
    """A provider's own record: only the provider reads its trail."""

    provider_id: Any

    def audit_parties(self) -> tuple[int | None, int | None]:
        return None, self.provider_id


class CommissionerParty:
    """A commissioner's own record (public terms it sets): only the commissioner reads its trail."""

    commissioner_id: Any

    def audit_parties(self) -> tuple[int | None, int | None]:
        return self.commissioner_id, None


def ends_after_start(
    name: str,
    *,
    start: str = "start_date",
    end: str = "end_date",
    open_ended: bool = False,
    strict: bool = False,
) -> models.CheckConstraint:
    """A check that `end` is on or after `start` (`strict`: after it); `open_ended`: an empty end
    passes too."""
    condition = models.Q(**{f"{end}__{'gt' if strict else 'gte'}": models.F(start)})
    if open_ended:
        condition = models.Q(**{f"{end}__isnull": True}) | condition
    return models.CheckConstraint(name=name, condition=condition)
