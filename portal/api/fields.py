"""Serializer fields that keep tenancy: a related id the caller cannot see is 'not found'."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.settings import api_settings

from portal.tenancy import scoped


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A PrimaryKeyRelatedField whose choices are the records visible to the requesting user.

    An id that does not exist and an id belonging to another organisation answer alike — 404,
    naming the field — so a request cannot learn which ids exist elsewhere.

        order = ScopedPrimaryKeyRelatedField(queryset=IndividualServiceOrder.objects.all())
    """

    def get_queryset(self) -> models.QuerySet[Any] | None:
        queryset = super().get_queryset()
        if queryset is None:  # a read-only field: nothing to choose from
            return None
        request = self.context.get("request")
        return scoped(queryset, getattr(request, "user", None))

    def to_internal_value(self, data: Any) -> models.Model:
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        queryset = self.get_queryset()
        if queryset is None:  # DRF refuses a writable related field without one
            raise ImproperlyConfigured(f"{self.field_name} has no queryset to choose from")
        try:
            return queryset.get(pk=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        except queryset.model.DoesNotExist as exc:
            name = self.field_name or api_settings.NON_FIELD_ERRORS_KEY  # bound before any input
            raise NotFound({name: f"No {queryset.model._meta.verbose_name} with id {data}."}) from exc


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
        "example": "08:00:00",
        "description": "A time of day on the clock in England (Europe/London), with no offset.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day as people in England read the clock ("08:00:00"). OpenAPI's `format: time`
    is RFC 3339's full-time, which carries an offset; a scheduled visit's time has none (it is
    the same 08:00 in GMT and BST), so the schema says so with a pattern instead."""
