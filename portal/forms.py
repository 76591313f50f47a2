"""Form helpers: GOV.UK classes on every widget, choices scoped to the user's organisation, and
one way to put a service's refusal on a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Actor, Organisation
from .services import ORGANISATION_DETAILS
from .tenancy import scoped
from .uploads.limits import validate_upload_size


def apply_service_errors(
    form: forms.BaseForm, exc: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: each message on the field it names (renamed by
    `field_map` where the service's argument and the form's field differ), else at the top of the
    error summary."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = field_map.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def scope_choices(field: forms.ModelChoiceField[Any], user: Actor) -> None:
    """Narrow a model choice field to the records `user` may see, if its model has tenancy."""
    if field.queryset is not None and hasattr(field.queryset, "visible_to"):
        field.queryset = scoped(field.queryset, user)


_WIDGET_CLASSES = {
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.PasswordInput: "govuk-input govuk-input--width-20",
}


if TYPE_CHECKING:
    # The mixin goes before a Form or ModelForm class; to the checker it is one.
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class PortalFormMixin(_FormBase):
    """Adds GOV.UK classes and ARIA links to errors and hints; scopes every model choice.

    Pass `user=` to the form. Every ModelChoiceField's queryset is narrowed to what that user may
    see, so a form can never offer (or accept) another organisation's record.
    """

    def __init__(self, *args: Any, user: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                scope_choices(field, user)
            if isinstance(field, forms.FileField) and validate_upload_size not in field.validators:
                field.validators.append(validate_upload_size)
            widget = field.widget
            css = next((c for cls, c in _WIDGET_CLASSES.items() if type(widget) is cls), None)
            if css is None:
                css = "govuk-input"
                if isinstance(widget, forms.DateInput | forms.TimeInput | forms.NumberInput):
                    css += " govuk-input--width-10"
            widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"

    def full_clean(self) -> None:
        """Validate, then link each field in error to its message (and mark it in error).
        Done here, not in __init__, so subclasses may still add fields after super().__init__()."""
        super().full_clean()
        for name in self.errors:
            field = self.fields.get(name)
            if field is None:
                continue
            attrs = field.widget.attrs
            error_id = f"id_{self.add_prefix(name)}-error"
            described = attrs.get("aria-describedby", "").split()
            if error_id not in described:
                attrs["aria-describedby"] = " ".join([*described, error_id])
            css = attrs.get("class", "")
            for base in ("govuk-input", "govuk-select", "govuk-textarea"):
                if base in css.split() and f"{base}--error" not in css:
                    attrs["class"] = f"{css} {base}--error"
                    break


class DateInput(forms.DateInput):
    """A date input whose value the browser can show: HTML date inputs take only YYYY-MM-DD, so a
    date is rendered that way whatever the locale's format (23/11/2026 would be dropped)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str = "%Y-%m-%d") -> None:
        super().__init__(attrs=attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class ConfirmPasswordForm(PortalFormMixin, forms.Form):
    """Asks again for the signed-in user's password, as the incumbents do before an acceptance."""

    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Enter your password again to confirm.",
    )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.user is None or not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password


class OrganisationDetailsForm(PortalFormMixin, forms.ModelForm):
    """An organisation's own details for invoices: a commissioner's invoice address; a provider's VAT
    status and the bank account it is paid into."""

    COMMISSIONER_ONLY = ("invoice_address",)
    PROVIDER_ONLY = ("vat_number", "bank_account_name", "bank_sort_code", "bank_account_number")

    class Meta:
        model = Organisation
        fields = ORGANISATION_DETAILS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "invoice_address": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.PROVIDER_ONLY if self.instance.is_commissioner else self.COMMISSIONER_ONLY:
            del self.fields[name]
