"""`load_demo` loads NHS Dorset as the commissioner of the children's complex care, with its own
users, and Dorset Council's users see none of its people or invoices `[001 Part 2]`, `[003 App. 1]`."""

import datetime as dt
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.utils import timezone

from continuing_care.models import ContinuingCareEligibility, MileageAgreement, MobilisationPlan
from invoicing.models import Invoice
from packages_of_care.models import Referral, ServiceUser
from portal.models import CommissionerType, User
from schemes.models import Contract, Lot

pytestmark = pytest.mark.django_db


def test_nhs_dorset_in_the_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for username in ("nhsdorset.commissioner", "nhsdorset.brokerage"):
        assert username in text
        user = User.objects.get(username=username)
        assert user.organisation.commissioner_type == CommissionerType.NHS
        assert user.check_password("portal-demo-2026")
        assert Authenticator.objects.filter(
            user=user
        ).exists()  # the demo's second factor, as every demo person

    # Lots as 003 App. 1 numbers them: Extra Care 5 and Children's 27 are Dorset Council's; complex
    # care 20 is the CCG's (NHS Dorset's) alone.
    assert set(
        Lot.objects.filter(
            framework__commissioner__name="Dorset Council", number__in=["5", "27"]
        ).values_list("number", flat=True)
    ) == {"5", "27"}
    assert Lot.objects.get(framework__commissioner__name="NHS Dorset").number == "20"
    contract = Contract.objects.get(reference="NHSD-L20-01")
    assert contract.commissioner.name == "NHS Dorset" and contract.provider.name == "Stour Children's Support"

    # Part 1 referrals come from CWAD, every child aged 8 up to the 18th birthday when referred.
    for referral in Referral.objects.filter(contract__reference="DOR-L27-01").select_related("service_user"):
        assert referral.referring_team == "Children Who Are Disabled team (CWAD)"
        age = referral.service_user.age_on(timezone.localtime(referral.received_at).date())
        assert 8 <= age < 18

    nhs_people = ServiceUser.objects.filter(commissioner__name="NHS Dorset")
    assert nhs_people.count() == 3
    assert ContinuingCareEligibility.objects.filter(service_user__in=nhs_people).count() == 3
    assert MileageAgreement.objects.filter(contract=contract).exists()
    plan = MobilisationPlan.objects.get(contract=contract)
    assert plan.milestones.get(week=20).due_on == dt.date(2023, 1, 1) + dt.timedelta(days=139)  # 20 May 2023
    assert Invoice.objects.filter(commissioner__name="NHS Dorset").exists()

    council = User.objects.get(username="dorset.commissioner")
    assert not ServiceUser.objects.visible_to(council).filter(commissioner__name="NHS Dorset").exists()
    assert not Invoice.objects.visible_to(council).filter(commissioner__name="NHS Dorset").exists()
    assert not ContinuingCareEligibility.objects.visible_to(council).exists()
    stour = User.objects.get(username="stour.manager")
    assert ServiceUser.objects.visible_to(stour).filter(commissioner__name="NHS Dorset").count() == 3
