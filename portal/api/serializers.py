from collections.abc import MutableMapping
from typing import Any

from rest_framework import serializers

from portal.models import Organisation


# A model serializer that can name, read-only, the organisations a record lies between: a subclass
# lists `commissioner_name` or `provider_name` in its Meta.fields to show them (fields it does not
# list are not built). A comment, not a docstring: drf-spectacular would give it to every subclass.
class PortalModelSerializer(serializers.ModelSerializer):
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    # A choice the model leaves blank ("no decline reason yet") answers "": DRF drops `allow_blank`
    # from a read-only field, and the schema would then forbid the blank it answers.
    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        blank_choice = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank_choice:
            kwargs["allow_blank"] = True
        return kwargs


class CommissionerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "commissioner_type", "address", "email", "telephone"]


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "cqc_location_id",
            "cqc_rating",
            "cqc_rating_date",
            "address",
            "email",
            "telephone",
        ]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    organisation = serializers.CharField()
    organisation_kind = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
