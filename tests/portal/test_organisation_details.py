"""An organisation's details for invoices (issue 13): a provider's VAT status and bank account, a
council's invoice address, kept by the organisation's own commissioners or managers, audited, and
printed on the invoice documents with the contract's purchase order number."""

import pytest

from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/organisation/"


def test_a_provider_manager_keeps_the_bank_details(login, provider_manager):
    client = login(provider_manager)
    page = client.get(URL).content.decode()
    assert "Bank sort code" in page and "Invoice address" not in page
    bad = client.post(URL, {"bank_sort_code": "20-45", "bank_account_number": "4163290"})
    text = bad.content.decode()
    assert (
        bad.status_code == 200
        and "A sort code is six digits" in text
        and "An account number is eight digits" in text
    )
    response = client.post(
        URL,
        {
            "address": "1 High Street\nNorwich",
            "bank_account_name": "Test Care Ltd",
            "bank_sort_code": "20-45-77",
            "bank_account_number": "41632907",
            "vat_number": "",
        },
    )
    assert response.status_code == 302
    provider = provider_manager.organisation
    provider.refresh_from_db()
    assert (provider.bank_sort_code, provider.bank_account_number) == ("20-45-77", "41632907")
    event = AuditEvent.objects.get(action="details changed", object_id=str(provider.pk))
    assert event.changes["bank_account_number"] == ["", "41632907"] and event.actor == provider_manager


def test_a_commissioner_keeps_the_invoice_address(login, commissioner_user):
    client = login(commissioner_user)
    page = client.get(URL).content.decode()
    assert "Invoice address" in page and "Bank sort code" not in page
    client.post(URL, {"invoice_address": "Accounts Payable\nCounty Hall", "bank_account_number": "99999999"})
    council = commissioner_user.organisation
    council.refresh_from_db()
    # A council has no bank account here: the field is not on its form, so nothing is saved to it.
    assert council.invoice_address == "Accounts Payable\nCounty Hall" and council.bank_account_number == ""


def test_staff_cannot_change_the_details(login, provider_staff):
    assert login(provider_staff).post(URL, {"bank_account_number": "12345678"}).status_code == 403
