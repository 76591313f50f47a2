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

from django.db import models

from .roles import OrganisationKind, Role


class TenantQuerySet(models.QuerySet):
    #: ORM path from the record to the commissioning Organisation, e.g. "contract__commissioner".
    commissioner_lookup: str | None = None
    #: ORM path from the record to the providing Organisation, e.g. "contract__provider".
    provider_lookup: str | None = None
    #: True for reference data the portal operator administers (no personal data).
    reference_data: bool = False

    def visible_to(self, user) -> "TenantQuerySet":
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
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

    def for_commissioner(self, organisation) -> "TenantQuerySet":
        if self.commissioner_lookup is None:
            return self.none()
        return self.filter(**{self.commissioner_lookup: organisation})

    def for_provider(self, organisation) -> "TenantQuerySet":
        if self.provider_lookup is None:
            return self.none()
        return self.filter(**{self.provider_lookup: organisation})

    def for_site_admin(self) -> "TenantQuerySet":
        return self.all() if self.reference_data else self.none()


def scoped(model_or_queryset, user):
    """The records of a model (or a queryset of it) that `user` may see."""
    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else (model_or_queryset._default_manager.all())
    )
    if not hasattr(qs, "visible_to"):
        raise TypeError(f"{qs.model.__name__} has no tenancy: give it a TenantQuerySet manager")
    return qs.visible_to(user)
