"""Tenancy, enforced in one place.

Every organisation-owned model's default manager is built from `TenantQuerySet`; its
`visible_to(user)` is the only way views, API endpoints, exports, admin pages and tasks reach
records on behalf of a person. Subclasses say how a record relates to a commissioner and to a
provider (`commissioner_lookup`, `provider_lookup`, or by overriding `for_commissioner` /
`for_provider`); nothing else decides who sees what.

Site administrators (the portal operator) see reference data — organisations, frameworks, lots,
schemes, contracts — so they can set the portal up, and no care records: `for_site_admin`
answers nothing unless a reference-data queryset says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

from django.db import models

from .roles import OrganisationKind, Role

# Conditions apps add to a lower app's model: `widen_provider_scope`.
_PROVIDER_WIDENINGS: dict[type[models.Model], list[Callable[[Any], models.Q]]] = {}


def widen_provider_scope(model: type[models.Model], condition: Callable[[Any], models.Q]) -> None:
    """Let an app above `model`'s own say when a provider also sees its records — procurement
    shows a provider the schemes of the call-offs it may bid for — so the model's app need not
    import the higher one. `condition(organisation)` returns a Q over the model; the model's
    `for_provider` ORs in `provider_widenings`. Register from the higher app's AppConfig.ready()."""
    conditions = _PROVIDER_WIDENINGS.setdefault(model, [])
    if condition not in conditions:
        conditions.append(condition)


def provider_widenings(model: type[models.Model], organisation: Any) -> models.Q:
    """The registered conditions for `model`, ORed (a Q that matches nothing when there are none)."""
    q = models.Q(pk__in=[])
    for condition in _PROVIDER_WIDENINGS.get(model, ()):
        q |= condition(organisation)
    return q


if TYPE_CHECKING:
    from .models import Actor, Organisation

_M = TypeVar("_M", bound=models.Model, covariant=True)
_QS = TypeVar("_QS", bound=models.QuerySet[Any, Any])


class TenantQuerySet(models.QuerySet[_M]):
    #: ORM path from the record to the commissioning Organisation, e.g. "contract__commissioner".
    commissioner_lookup: str | None = None
    #: ORM path from the record to the providing Organisation, e.g. "contract__provider".
    provider_lookup: str | None = None
    #: True for reference data the portal operator administers (no personal data).
    reference_data: bool = False
    #: Instead of a lookup, the relation to a record whose scope this one shares: "lot" — entry
    #: criteria are seen by whoever sees their lot (that model's own `for_commissioner` /
    #: `for_provider` decides).
    commissioner_scope_via: str | None = None
    provider_scope_via: str | None = None

    def visible_to(self, user: Actor) -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.SITE_ADMIN:
            return self.for_site_admin()
        organisation = user.organisation
        if organisation is None:
            return self.none()
        if organisation.kind == OrganisationKind.COMMISSIONER:
            return self.for_commissioner(organisation)
        if organisation.kind == OrganisationKind.PROVIDER:
            return self.for_provider(organisation)
        return self.none()

    def for_commissioner(self, organisation: Organisation) -> Self:
        return self._side(
            "for_commissioner", organisation, self.commissioner_lookup, self.commissioner_scope_via
        )

    def for_provider(self, organisation: Organisation) -> Self:
        return self._side("for_provider", organisation, self.provider_lookup, self.provider_scope_via)

    def _side(self, side: str, organisation: Organisation, lookup: str | None, via: str | None) -> Self:
        """One side's records: by `lookup`, or those whose `via` record that side sees."""
        if via is not None:
            related: Any = self.model._meta.get_field(via).related_model
            return self.filter(**{f"{via}__in": getattr(related.objects, side)(organisation)})
        if lookup is None:
            return self.none()
        return self.filter(**{lookup: organisation})

    def for_site_admin(self) -> Self:
        return self.all() if self.reference_data else self.none()


class PairQuerySet(TenantQuerySet[_M]):
    """Records of one commissioner–provider pair: seen by the pair named by their own
    `commissioner` and `provider`, or, where the model names a `pair_via` relation (see
    `portal.modelbases.PairParties`), by that record's pair (an invoice line by its invoice's)."""

    def _pair(self, side: str) -> str:
        via = getattr(self.model, "pair_via", "")
        return f"{via}__{side}" if via else side

    def for_commissioner(self, organisation: Organisation) -> Self:
        return self.filter(**{self._pair("commissioner"): organisation})

    def for_provider(self, organisation: Organisation) -> Self:
        return self.filter(**{self._pair("provider"): organisation})


@overload
def scoped(model_or_queryset: _QS, user: Actor) -> _QS: ...
@overload
def scoped(model_or_queryset: type[models.Model], user: Actor) -> Any: ...
def scoped(model_or_queryset: type[models.Model] | _QS, user: Actor) -> Any:
    """The records of a model (or a queryset of it) that `user` may see.

    Given a queryset, the answer is a queryset of the same class. Given a model, it is the model's
    default queryset class (say `AlertQuerySet`, with its own methods), which the type of a model
    class does not name, hence `Any`; write `Model.objects.visible_to(user)` for the exact type."""
    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else (model_or_queryset._default_manager.all())
    )
    if not hasattr(qs, "visible_to"):
        raise TypeError(f"{qs.model.__name__} has no tenancy: give it a TenantQuerySet manager")
    return qs.visible_to(user)
