from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance

from portal.forms import DateInput, DateTimeInput, PortalFormMixin

from .models import (
    Activity,
    ActivityAttendance,
    AlarmCall,
    Complaint,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
)


class RecordForm(PortalFormMixin, forms.ModelForm):
    """A record's form: choices scoped to the user; the kind's rules (records.uploads) run when
    the service saves it, so forms, uploads and the API refuse the same things."""

    def _post_clean(self):
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

    def apply_errors(self, exc) -> None:
        for field, errors in exc.message_dict.items():
            target = {"service_user_reference": "service_user", "contract_reference": "contract"}.get(
                field, field
            )
            self.add_error(target if target in self.fields else None, errors)


def _widgets(model, names):
    widgets = {}
    for name in names:
        field = model._meta.get_field(name)
        if field.get_internal_type() == "DateTimeField":
            widgets[name] = DateTimeInput()
        elif field.get_internal_type() == "DateField":
            widgets[name] = DateInput()
        elif field.get_internal_type() == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": 3})
    return widgets


def form_for(model, names, labels=None, help_texts=None):
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": names,
            "widgets": _widgets(model, names),
            "labels": labels or {},
            "help_texts": help_texts or {},
        },
    )
    return type(f"{model.__name__}Form", (RecordForm,), {"Meta": meta})


CONTRACT_HELP = {"contract": "The contract the record falls under."}

FORMS = {
    "alarm-calls": form_for(
        AlarmCall,
        [
            "contract",
            "scheme",
            "flat",
            "service_user",
            "resident_is_customer",
            "raised_at",
            "responded_at",
            "outcome",
            "notes",
        ],
        labels={
            "service_user": "Resident (if they receive care)",
            "resident_is_customer": "The resident is a customer",
        },
        help_texts=CONTRACT_HELP,
    ),
    "complaints": form_for(
        Complaint,
        [
            "contract",
            "reference",
            "kind",
            "scheme",
            "service_user",
            "received_on",
            "summary",
            "upheld",
            "outcome",
            "closed_on",
            "response_sent_to_council_on",
        ],
        labels={"service_user": "Person", "response_sent_to_council_on": "Response sent to the council on"},
        help_texts=CONTRACT_HELP,
    ),
    "safeguarding": form_for(
        SafeguardingIncident,
        [
            "contract",
            "reference",
            "scheme",
            "service_user",
            "occurred_on",
            "reported_to_council_on",
            "category",
            "summary",
            "outcome",
        ],
        labels={"service_user": "Person"},
        help_texts=CONTRACT_HELP,
    ),
    "surveys": form_for(
        SurveyResponse,
        ["contract", "reference", "scheme", "service_user", "responded_on", "satisfied", "comments"],
        labels={"service_user": "Resident", "satisfied": "Satisfied with their care"},
        help_texts=CONTRACT_HELP,
    ),
    "voids": form_for(
        Void,
        ["contract", "scheme", "flat", "status", "start_date", "end_date", "reason"],
        help_texts=CONTRACT_HELP,
    ),
    "nominations": form_for(
        NominationDecision,
        [
            "contract",
            "scheme",
            "panel_date",
            "applicant_reference",
            "applicant_age",
            "assessed_care_hours_per_week",
            "has_housing_need",
            "decision",
            "declined_by",
            "reason",
        ],
        help_texts=CONTRACT_HELP,
    ),
    "activities": form_for(
        Activity,
        [
            "contract",
            "kind",
            "title",
            "description",
            "scheme",
            "location",
            "starts_at",
            "ends_at",
            "capacity",
            "is_new_choice",
        ],
        help_texts=CONTRACT_HELP,
    ),
    "attendance": form_for(
        ActivityAttendance, ["activity", "service_user", "attended"], labels={"service_user": "Person"}
    ),
}
