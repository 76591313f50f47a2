"""Browser forms. They collect input; the services decide. Every model choice is scoped to the
signed-in user by `PortalFormMixin`."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from portal.forms import DateInput, DateTimeInput, PortalFormMixin
from schemes.models import Contract

from .models import (
    AbsenceKind,
    AgreedHow,
    DeclineReason,
    HospitalDischarge,
    OutcomeCategory,
    OutcomeProgress,
    PlaceOfDeath,
    Referral,
    ReferralDecision,
    ServiceElement,
    ServiceEndReason,
    ServiceUser,
    Weekday,
)

HOURS_HELP = "In quarter-hours, e.g. 10.25, 10.5 or 10.75."


def hours_field(label, **kwargs):
    return forms.DecimalField(
        label=label, max_digits=6, decimal_places=2, min_value=Decimal("0.25"), help_text=HOURS_HELP, **kwargs
    )


def price_field(**kwargs):
    return forms.DecimalField(
        label="Weekly package price (£)",
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Weekly-package contracts (Dorset) only.",
        **kwargs,
    )


def reason_field(choices, label: str, **kwargs):
    return forms.ChoiceField(choices=[("", "Choose a reason"), *choices], label=label, **kwargs)


def details_field(*, rows: int = 3, for_other: bool = False):
    """Free text beside a reason; needed when the reason is “Other” (the service says so)."""
    help_text = "Needed for “Other”." if for_other else ""
    return forms.CharField(
        label="Details", required=False, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


# --- people and referrals -------------------------------------------------------------------------


class ServiceUserForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceUser
        fields = ["reference", "name", "date_of_birth", "scheme", "flat", "funding_route", "is_customer"]
        widgets = {"date_of_birth": DateInput()}
        labels = {
            "reference": "Social-care number",
            "is_customer": "Customer (receives planned care)",
            "scheme": "Scheme they live in",
        }
        help_texts = {"date_of_birth": "Used for age rules only (nominations over 55, children's services)."}

    def validate_unique(self):
        pass  # the service checks the reference is unique for the commissioner


class ReferralForm(PortalFormMixin, forms.Form):
    service_user = forms.ModelChoiceField(queryset=ServiceUser.objects.all(), label="Person")
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("provider", "lot"), label="Contract (and so the provider)"
    )
    received_at = forms.DateTimeField(
        label="Referral received", widget=DateTimeInput(), help_text="The KPI clocks start here."
    )
    is_emergency = forms.BooleanField(
        label="Emergency referral (answer within 24 working hours)", required=False
    )
    needs_summary = forms.CharField(
        label="Needs in brief",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="No more personal detail than the provider needs to respond.",
    )
    reference = forms.CharField(
        label="Referral reference", max_length=40, required=False, help_text="Left empty, one is made."
    )
    referring_team = forms.CharField(
        label="Referring team",
        max_length=150,
        required=False,
        help_text="Left empty, the lot's own (Dorset children's: the Children Who Are Disabled team).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = self.fields["contract"].queryset.live_on(timezone.localdate())


class ReferralRespondForm(PortalFormMixin, forms.Form):
    responded_at = forms.DateTimeField(label="When you first responded", widget=DateTimeInput())


class ReferralDecideForm(PortalFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[(ReferralDecision.ACCEPTED, "Accept"), (ReferralDecision.DECLINED, "Decline")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    decline_reason = reason_field(DeclineReason.choices, "Reason for declining", required=False)
    decline_detail = details_field(for_other=True)


class ReferralProgressForm(PortalFormMixin, forms.Form):
    first_visit_date = forms.DateField(label="First visit", widget=DateInput(), required=False)
    support_solution_agreed_date = forms.DateField(
        label="Support solution with outcomes agreed", widget=DateInput(), required=False
    )


class ReferralEndForm(PortalFormMixin, forms.Form):
    ended_on = forms.DateField(label="Service ended on", widget=DateInput())
    reason = reason_field(ServiceEndReason.choices, "Why it ended")
    detail = details_field()


# --- orders ---------------------------------------------------------------------------------------


class OrderForm(PortalFormMixin, forms.Form):
    """A draft order and its first version (the schedule and outcomes come in formsets)."""

    service_user = forms.ModelChoiceField(queryset=ServiceUser.objects.all(), label="Person")
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("provider", "lot"), label="Contract (and so the provider)"
    )
    referral = forms.ModelChoiceField(
        queryset=Referral.objects.select_related("service_user"), required=False, label="Referral it answers"
    )
    reference = forms.CharField(
        label="ISO / CPLI number", max_length=40, required=False, help_text="Left empty, one is made."
    )
    start_date = forms.DateField(label="Start date", widget=DateInput())
    end_date = forms.DateField(label="End date", widget=DateInput(), required=False)
    is_planned_care = forms.BooleanField(
        label="Planned care (scheduled visits)", required=False, initial=True
    )
    is_emergency = forms.BooleanField(
        label="Emergency start",
        required=False,
        help_text="The care plan is then agreed face to face within 48 hours of the start.",
    )  # [004 §3.2.9]
    weekly_hours = hours_field("Commissioned hours per week")
    weekly_price = price_field()


class OrderVaryForm(PortalFormMixin, forms.Form):
    effective_from = forms.DateField(
        label="Varied from", widget=DateInput(), help_text="The first day of the new hours."
    )
    weekly_hours = hours_field("Commissioned hours per week from that day")
    weekly_price = price_field()
    reason = forms.CharField(label="Why the order is varied", max_length=300)


class ScheduleRowForm(forms.Form):
    """One regular visit: a time, length and carers on the days ticked (e.g. 08:00 for 30
    minutes every day). Saved as one scheduled visit per day."""

    start_time = forms.TimeField(
        label="Time", widget=TimeInput(attrs={"class": "govuk-input govuk-input--width-10"})
    )
    duration_minutes = forms.IntegerField(
        label="Minutes",
        min_value=15,
        max_value=1440,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"}),
    )
    carers = forms.IntegerField(
        label="Carers",
        min_value=1,
        max_value=4,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-2"}),
    )
    days = forms.TypedMultipleChoiceField(
        label="Days",
        choices=[(d.value, d.label[:3]) for d in Weekday],
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes__input"}),
    )
    time_critical = forms.BooleanField(
        label="Time-critical",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )
    tasks = forms.CharField(
        label="Tasks", max_length=300, required=False, widget=forms.TextInput(attrs={"class": "govuk-input"})
    )


class OutcomeRowForm(forms.Form):
    service_element = forms.ChoiceField(
        label="Service element",
        choices=[("", "Choose")] + ServiceElement.choices,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    category = forms.ChoiceField(
        label="Outcome category",
        choices=[("", "Choose")] + OutcomeCategory.choices,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    description = forms.CharField(
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea govuk-!-margin-bottom-0"}),
    )


class BaseRowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            f.cleaned_data
            for f in self.forms
            if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


def schedule_formset(extra: int):
    return forms.formset_factory(ScheduleRowForm, formset=BaseRowFormSet, extra=extra, can_delete=True)


def outcome_formset(extra: int):
    return forms.formset_factory(OutcomeRowForm, formset=BaseRowFormSet, extra=extra, can_delete=True)


def schedule_rows(visits) -> list[dict]:
    """Group a version's scheduled visits into rows (same time, length, carers, flag and tasks)."""
    rows: dict[tuple, dict] = {}
    for v in visits:
        key = (v.start_time, v.duration_minutes, v.carers, v.time_critical, v.tasks)
        row = rows.setdefault(
            key,
            {"start_time": v.start_time, "duration_minutes": v.duration_minutes, "carers": v.carers,
             "time_critical": v.time_critical, "tasks": v.tasks, "days": []},
        )  # fmt: skip
        row["days"].append(v.weekday)
    return sorted(rows.values(), key=lambda r: (r["start_time"], min(r["days"])))


def schedule_lines(rows: list[dict]) -> list[dict]:
    """Rows of the form → one scheduled visit per day ticked."""
    return [
        {
            "weekday": day,
            "start_time": row["start_time"],
            "duration_minutes": row["duration_minutes"],
            "carers": row["carers"] or 1,
            "time_critical": bool(row.get("time_critical")),
            "tasks": row.get("tasks", ""),
        }
        for row in rows
        for day in sorted(row["days"])
    ]


def outcome_rows(outcomes) -> list[dict]:
    """A version's outcomes as rows of the form."""
    return [
        {"service_element": o.service_element, "category": o.category, "description": o.description}
        for o in outcomes
    ]


def content_formsets(version, data=None) -> tuple[BaseRowFormSet, BaseRowFormSet]:
    """The order form's schedule rows and outcome rows, starting from a version's (None: empty)."""
    schedule = schedule_rows(version.schedule.all()) if version is not None else []
    outcomes = outcome_rows(version.outcomes.all()) if version is not None else []
    return (
        schedule_formset(max(2, 6 - len(schedule)))(data, initial=schedule, prefix="schedule"),
        outcome_formset(max(1, 3 - len(outcomes)))(data, initial=outcomes, prefix="outcomes"),
    )


def content_lines(schedule: BaseRowFormSet, outcomes: BaseRowFormSet) -> dict[str, list[dict]]:
    """The rows filled in, as the service's `schedule` and `outcomes`."""
    return {"schedule": schedule_lines(schedule.rows()), "outcomes": outcome_lines(outcomes.rows())}


def outcome_lines(rows: list[dict]) -> list[dict]:
    return [
        {"service_element": r["service_element"], "category": r["category"], "description": r["description"]}
        for r in rows
    ]


class OrderDeclineForm(PortalFormMixin, forms.Form):
    reason = reason_field(DeclineReason.choices, "Why you are declining")
    detail = details_field(rows=4, for_other=True)


class OrderSuspendForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label="Why the order is suspended", max_length=200)


class OrderEndForm(PortalFormMixin, forms.Form):
    end_date = forms.DateField(label="Last day of care", widget=DateInput())
    reason = reason_field(ServiceEndReason.choices, "Why it ends")
    detail = details_field()
    place_of_death = forms.ChoiceField(
        choices=[("", "Not applicable"), *PlaceOfDeath.choices],
        required=False,
        label="If the person died, where",
    )


class TemporaryVariationForm(PortalFormMixin, forms.Form):
    start_date = forms.DateField(label="First day", widget=DateInput())
    end_date = forms.DateField(label="Last day", widget=DateInput())
    extra_hours_per_week = hours_field("Extra hours per week")
    reason = forms.CharField(label="Why the extra hours are needed", widget=forms.Textarea(attrs={"rows": 3}))


class DecisionNoteForm(PortalFormMixin, forms.Form):
    note = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))


class AbsenceForm(PortalFormMixin, forms.Form):
    service_user = forms.ModelChoiceField(queryset=ServiceUser.objects.all(), label="Person")
    kind = forms.ChoiceField(choices=AbsenceKind.choices, label="Kind of absence", widget=forms.RadioSelect)
    start_date = forms.DateField(label="First day away", widget=DateInput())
    end_date = forms.DateField(
        label="Last day away",
        widget=DateInput(),
        required=False,
        help_text="Leave empty while the person is still away.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AbsenceEndForm(PortalFormMixin, forms.Form):
    end_date = forms.DateField(label="Last day away", widget=DateInput())
    discharge = forms.ChoiceField(
        choices=HospitalDischarge.choices,
        initial=HospitalDischarge.RETURNED_HOME,
        label="Where the person went (hospital stays)",
    )


class AbsenceRetainerForm(PortalFormMixin, forms.Form):
    full_pay_until = forms.DateField(
        label="Paid in full up to and including",
        widget=DateInput(),
        help_text="Later than day 7 of the absence.",
    )
    agreed_by = forms.CharField(label="Social worker who agreed", max_length=200)
    agreed_on = forms.DateField(label="Agreed in writing on", widget=DateInput())
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CarePlanForm(PortalFormMixin, forms.Form):
    agreed_on = forms.DateField(label="Agreed on", widget=DateInput())
    agreed_how = forms.ChoiceField(
        choices=AgreedHow.choices,
        initial=AgreedHow.FACE_TO_FACE,
        label="How it was agreed with the person",
        help_text="Face to face, before the service starts (within 48 hours in an emergency).",
    )
    next_review_due = forms.DateField(
        label="Next review due",
        widget=DateInput(),
        required=False,
        help_text="At most a year after; left empty, a year.",
    )
    potential_for_greater_independence = forms.BooleanField(
        label="Potential for greater independence", required=False
    )
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class CarePlanReviewForm(CarePlanForm):
    reviewed_on = forms.DateField(label="Reviewed on", widget=DateInput())
    field_order = ["reviewed_on", "next_review_due", "potential_for_greater_independence", "summary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["agreed_on"]
        del self.fields["agreed_how"]


class OutcomeReviewForm(PortalFormMixin, forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", widget=DateInput())
    status = forms.ChoiceField(choices=OutcomeProgress.choices, label="Progress", widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="If it is not being achieved, say what is not working and what should change.",
    )


class SimplePlanForm(PortalFormMixin, forms.Form):
    """Derby's simpler plan for a resident who is not a customer [002 §3.4]."""

    service_user = forms.ModelChoiceField(queryset=ServiceUser.objects.none(), label="Resident")
    agreed_on = forms.DateField(label="Agreed on", widget=DateInput())
    emergency_contacts = forms.CharField(
        label="Next of kin and emergency contacts", widget=forms.Textarea(attrs={"rows": 3})
    )
    risks = forms.CharField(
        label="Risks the responder must know", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    response_notes = forms.CharField(
        label="Getting in, communication and medication",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Key safe, communication needs, medication to be aware of.",
    )
    next_review_due = forms.DateField(
        label="Next review due",
        widget=DateInput(),
        required=False,
        help_text="At most a year after; left empty, a year.",
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is not None:
            self.fields["service_user"].queryset = residents
