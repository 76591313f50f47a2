from rest_framework import serializers

from portal.models import Organisation


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
