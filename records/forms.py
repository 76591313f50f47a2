"""Each kind's form, from the kind's one declaration (`records.kinds`): its fields, the contract
first, with the labels the declaration gives."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance

from portal.forms import DateInput, DateTimeInput, PortalFormMixin

from .kinds import BY_SLUG
from .uploads import RecordSpec

CONTRACT_HELP = "The contract the record falls under."


class RecordForm(PortalFormMixin, forms.ModelForm):
    """A record's form: choices scoped to the user; the kind's rules (records.uploads) run when
    the service saves it, so forms, uploads and the API refuse the same things."""

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as exc:
            self._update_errors(exc)
        try:
            # The database constraints are checked, with messages, by the kind's rules.
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(), validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            self._update_errors(exc)


WIDGETS = {"DateTimeField": DateTimeInput, "DateField": DateInput}


def form_for(spec: RecordSpec) -> type[RecordForm]:
    model = spec.model
    names = sorted(spec.field_names, key=lambda name: name != "contract")  # the contract first
    widgets: dict[str, Any] = {}
    for name in names:
        internal = model._meta.get_field(name).get_internal_type()
        if internal in WIDGETS:
            widgets[name] = WIDGETS[internal]()
        elif internal == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": 3})
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": names,
            "widgets": widgets,
            "labels": {f.name: f.form_label for f in spec.fields if f.form_label},
            "help_texts": {"contract": CONTRACT_HELP} if spec.has_contract else {},
        },
    )
    return type(f"{model.__name__}Form", (RecordForm,), {"Meta": meta})


FORMS = {slug: form_for(spec) for slug, spec in BY_SLUG.items()}
