"""Each kind's serializer, from the kind's one declaration (`records.kinds`): its fields, the
pair it belongs to, and the fields the model works out itself, read-only. Related records are
given by id, among those the caller may see."""

from typing import Any

from rest_framework import serializers

from portal.api.fields import ScopedPrimaryKeyRelatedField
from records.kinds import BY_SLUG
from records.uploads import RecordSpec
from visits.api.serializers import LondonDateTimeField

PAIR = ["id", "contract", "commissioner", "provider"]
READ_ONLY = ["commissioner", "provider", "created_at", "updated_at"]


class RecordSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPrimaryKeyRelatedField

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if model_field.get_internal_type() == "DateTimeField":
            field_class = LondonDateTimeField
        return field_class, kwargs


def serializer_for(spec: RecordSpec) -> type[RecordSerializer]:
    names = [n for n in spec.field_names if n != "contract"]
    if spec.has_contract:
        fields = [*PAIR, *names, *spec.derived, "created_at", "updated_at"]
        read_only = [*READ_ONLY, *spec.derived]
    else:
        fields, read_only = ["id", *names], []
    meta = type(
        "Meta",
        (),
        {
            "model": spec.model,
            "fields": fields,
            "read_only_fields": read_only,
            # The natural key is not a uniqueness error here: the kind's rules say it in words.
            "validators": [],
        },
    )
    return type(f"{spec.model.__name__}Serializer", (RecordSerializer,), {"Meta": meta})


SERIALIZERS = {slug: serializer_for(spec) for slug, spec in BY_SLUG.items()}
