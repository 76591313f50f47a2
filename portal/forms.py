"""Form helpers: GOV.UK classes on every widget, and choices scoped to the user's organisation."""

from django import forms

from .tenancy import scoped

_WIDGET_CLASSES = {
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.PasswordInput: "govuk-input govuk-input--width-20",
}


class PortalFormMixin:
    """Adds GOV.UK classes and ARIA links to errors and hints; scopes every model choice.

    Pass `user=` to the form. Every ModelChoiceField's queryset is narrowed to what that user may
    see, so a form can never offer (or accept) another organisation's record.
    """

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                qs = field.queryset
                if hasattr(qs, "visible_to"):
                    field.queryset = scoped(qs, user)
            widget = field.widget
            css = next((c for cls, c in _WIDGET_CLASSES.items() if type(widget) is cls), None)
            if css is None:
                css = "govuk-input"
                if isinstance(widget, forms.DateInput | forms.TimeInput | forms.NumberInput):
                    css += " govuk-input--width-10"
            widget.attrs.setdefault("class", css)
            described = []
            if field.help_text:
                described.append(f"id_{self.add_prefix(name)}_helptext")
            if self.is_bound and name in self.errors:
                described.append(f"id_{self.add_prefix(name)}-error")
                widget.attrs["class"] += " govuk-input--error" if "govuk-input" in css else ""
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
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

    def clean_password(self):
        password = self.cleaned_data["password"]
        if self.user is None or not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password
