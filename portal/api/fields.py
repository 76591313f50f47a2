"""Serializer fields that keep tenancy: a related id the caller cannot see is 'not found'."""

from rest_framework import serializers
from rest_framework.exceptions import NotFound

from portal.tenancy import scoped


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A PrimaryKeyRelatedField whose choices are the records visible to the requesting user.

    An id that does not exist and an id belonging to another organisation answer alike — 404,
    naming the field — so a request cannot learn which ids exist elsewhere.

        order = ScopedPrimaryKeyRelatedField(queryset=IndividualServiceOrder.objects.all())
    """

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(super().get_queryset(), getattr(request, "user", None))

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return self.get_queryset().get(pk=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        except self.get_queryset().model.DoesNotExist as exc:
            raise NotFound(
                {self.field_name: f"No {self.get_queryset().model._meta.verbose_name} with id {data}."}
            ) from exc
