import pytest
from django import forms

from portal.forms import PortalFormMixin
from portal.roles import Role
from schemes.models import Contract
from tests.factories import ContractFactory, user_for


class _Form(PortalFormMixin, forms.Form):
    contract = forms.ModelChoiceField(queryset=Contract.objects.all(), help_text="Pick one")
    hours = forms.DecimalField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = forms.CharField()  # added after the mixin ran: must still validate


@pytest.mark.django_db
def test_choices_are_scoped_and_errors_are_linked():
    mine, theirs = ContractFactory(), ContractFactory()
    user = user_for(mine.provider, Role.PROVIDER_MANAGER)
    form = _Form(data={"contract": theirs.pk, "hours": "x"}, user=user)
    assert list(form.fields["contract"].queryset) == [mine]
    assert not form.is_valid()
    assert set(form.errors) == {"contract", "hours", "note"}
    assert form.fields["hours"].widget.attrs["aria-describedby"] == "id_hours-error"
    assert "govuk-input--error" in form.fields["hours"].widget.attrs["class"]
    assert (
        form.fields["contract"].widget.attrs["aria-describedby"] == "id_contract_helptext id_contract-error"
    )


def test_date_inputs_render_dates_as_the_browser_reads_them():
    # <input type="date"> accepts only YYYY-MM-DD; the UK locale's 23/11/2026 would leave the field
    # empty on an edit form, so the shared widget renders ISO dates whatever the locale.
    import datetime as dt

    from django.utils import translation

    from portal.forms import DateInput

    class Form(forms.Form):
        day = forms.DateField(widget=DateInput())

    with translation.override("en-gb"):
        html = str(Form(initial={"day": dt.date(2026, 11, 23)})["day"])
        assert 'type="date"' in html and 'value="2026-11-23"' in html
        assert Form(data={"day": "2026-11-23"}).is_valid()
