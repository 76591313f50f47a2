from decimal import Decimal

from django import forms
from django.forms import formset_factory

from portal.forms import DateInput, DateTimeInput, PortalFormMixin
from portal.models import Organisation
from schemes.models import MEMBERSHIP_WORKFLOW, Lot, PaymentModel, Scheme

from .models import CALLOFF_TERMS, CallOff, LotEntryCriterion


def _choice_classes(field, css):
    field.widget.attrs["class"] = css


class ApplicationForm(PortalFormMixin, forms.Form):
    """Apply to a lot: declare the criteria the portal cannot see, and say why."""

    declarations = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="I declare that",
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Supporting statement",
        help_text="Anything the council should know about your application, e.g. your office within 20 miles of Dorset.",
    )

    def __init__(self, *args, declarable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declarations"].choices = [(r.criterion_id, r.text) for r in declarable]
        _choice_classes(self.fields["declarations"], "govuk-checkboxes__input")


class CriterionForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = LotEntryCriterion
        fields = ["route", "route_label", "requirement", "policy_kind", "wording"]
        labels = {"route": "Route", "route_label": "Who the route is for", "wording": "Wording (optional)"}


class MembershipDecisionForm(PortalFormMixin, forms.Form):
    """The council's decisions on a membership: those its transition table allows from the status."""

    decision = forms.ChoiceField(widget=forms.RadioSelect, label="Decision")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Reasons",
        help_text="Required to reject or suspend; the provider sees them.",
    )

    LABELS = {
        "admit": "Admit to the lot",
        "reject": "Reject the application",
        "suspend": "Suspend for quality concerns",
        "readmit": "Readmit to the lot",
    }

    def __init__(self, *args, status="", **kwargs):
        super().__init__(*args, **kwargs)
        allowed = MEMBERSHIP_WORKFLOW.actions_from(status)
        self.fields["decision"].choices = [(a, label) for a, label in self.LABELS.items() if a in allowed]
        _choice_classes(self.fields["decision"], "govuk-radios__input")

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("reject", "suspend") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reasons.")
        return data


class WithdrawForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Reason (optional)"
    )


class MembershipAddForm(PortalFormMixin, forms.Form):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.providers(), label="Provider")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="How the provider came onto the lot",
        help_text="For example: awarded a place in the framework's tender of April 2024.",
    )


class CallOffForm(PortalFormMixin, forms.ModelForm):
    schemes = forms.ModelMultipleChoiceField(
        queryset=Scheme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Schemes",
        help_text="Leave all unticked for every scheme of the lot.",
    )

    class Meta:
        model = CallOff
        fields = ["lot", "schemes", *CALLOFF_TERMS]
        widgets = {
            "closes_at": DateTimeInput(),
            "contract_start": DateInput(),
            "contract_end": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "closes_at": "Bids close at",
            "price_min": "Lowest hourly rate (£)",
            "price_max": "Highest hourly rate (£)",
            "contract_reference": "Reference of the contract the award creates",
            "contract_start": "Contract starts",
            "contract_end": "Contract ends",
            "payment_model": "Payment",
        }
        help_texts = {
            "closes_at": "UK time. Bids are sealed until then: no one at the council can read them.",
            "price_min": "Norfolk's band is £21.00 to £23.52 [004 App. 3 §1].",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["lot"].queryset = (
                Lot.objects.visible_to(self.user)
                .filter(framework__commissioner=self.user.organisation)
                .select_related("framework")
            )
            self.fields["schemes"].queryset = (
                Scheme.objects.visible_to(self.user)
                .filter(lot__framework__commissioner=self.user.organisation)
                .select_related("lot")
                .order_by("lot__position", "name")
            )
        self.fields["payment_model"].choices = PaymentModel.choices
        _choice_classes(self.fields["schemes"], "govuk-checkboxes__input")

    def clean(self):
        data = super().clean()
        lot, schemes = data.get("lot"), data.get("schemes")
        if lot and schemes and any(s.lot_id != lot.pk for s in schemes):
            self.add_error("schemes", "Choose schemes of the chosen lot only.")
        return data


class QuestionForm(PortalFormMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Question")
    weight = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        required=False,
        label="Weight (%)",
    )
    max_score = forms.IntegerField(
        min_value=1, max_value=100, initial=5, required=False, label="Highest score"
    )

    def clean(self):
        data = super().clean()
        if (data.get("text") or "").strip() and data.get("weight") is None:
            self.add_error("weight", "Give the question's weight.")
        if data.get("weight") is not None and not (data.get("text") or "").strip():
            self.add_error("text", "Write the question.")
        return data


QuestionFormSet = formset_factory(QuestionForm, extra=1, max_num=20)


def questions_from(formset) -> list[tuple[str, Decimal, int]]:
    return [
        (f.cleaned_data["text"].strip(), f.cleaned_data["weight"], f.cleaned_data.get("max_score") or 5)
        for f in formset.forms
        if f.cleaned_data and (f.cleaned_data.get("text") or "").strip()
    ]


class CancelForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is it cancelled?")


class BidForm(PortalFormMixin, forms.Form):
    hourly_rate = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), label="Hourly rate (£)"
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note on your price"
    )

    def __init__(self, *args, calloff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(calloff.questions.all())
        self.fields[
            "hourly_rate"
        ].help_text = (
            f"Between £{calloff.price_min} and £{calloff.price_max}: a rate outside the band is refused."
        )
        for q in self.questions:
            field = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 6, "class": "govuk-textarea"}),
                label=f"Question {q.position} ({q.weight.normalize():f}%): {q.text}",
            )
            self.fields[f"answer_{q.pk}"] = field
        # Keep the note last.
        self.fields["note"] = self.fields.pop("note")

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"answer_{q.pk}"] for q in self.questions}


class ScoreForm(PortalFormMixin, forms.Form):
    def __init__(self, *args, answers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = list(answers)
        for a in self.answers:
            self.fields[f"score_{a.question_id}"] = forms.IntegerField(
                min_value=0,
                max_value=a.question.max_score,
                initial=a.score,
                label=f"Score for question {a.question.position} (0 to {a.question.max_score})",
                widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
            )

    def scores(self) -> dict[int, int]:
        return {a.question_id: self.cleaned_data[f"score_{a.question_id}"] for a in self.answers}
