"""Reading the access log: an organisation's manager reads its own people's reads."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from portal.filters import PortalFilterSet
from portal.forms import DateInput
from portal.models import Actor, User

from .models import AccessLogEntry, AccessLogQuerySet


def access_log_for(user: Actor) -> AccessLogQuerySet:
    """The entries of the reads made by the people of `user`'s organisation, newest first."""
    return AccessLogEntry.objects.visible_to(user).select_related("user", "token", "content_type")


def _people_of_organisation(request: Any) -> QuerySet[User]:
    if request is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=request.user.organisation_id).order_by("username")


class AccessLogFilter(PortalFilterSet):
    """The access log's filters: a person (the id the portal gives them), a user, a date range."""

    person = django_filters.NumberFilter(method="filter_person", label="Person (id)")
    user = django_filters.ModelChoiceFilter(
        queryset=_people_of_organisation, label="Read by", empty_label="Anyone"
    )
    read_from = django_filters.DateFilter(
        field_name="at__date", lookup_expr="gte", label="From", widget=DateInput()
    )
    read_to = django_filters.DateFilter(
        field_name="at__date", lookup_expr="lte", label="To", widget=DateInput()
    )

    class Meta:
        model = AccessLogEntry
        fields: list[str] = []

    def filter_person(self, queryset: AccessLogQuerySet, name: str, value: int) -> AccessLogQuerySet:
        return queryset.about_person(int(value))
