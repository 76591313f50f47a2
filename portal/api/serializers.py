from rest_framework import serializers

from portal.models import Organisation


# A model serializer that can name, read-only, the organisations a record lies between: a subclass
# lists `commissioner_name` or `provider_name` in its Meta.fields to show them (fields it does not
# list are not built). A comment, not a docstring: drf-spectacular would give it to every subclass.
class PortalModelSerializer(serializers.ModelSerializer):
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)


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
