"""API keys expire (90 days unless said), are revoked from the API access page, and every issue
and revocation is audited (issue 15)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken, AuditEvent
from portal.roles import Role
from portal.services import api_token_issue
from tests.factories import CommissionerFactory, ProviderFactory, user_for


@pytest.fixture
def council(db):
    return CommissionerFactory(name="Norfolk County Council")


@pytest.fixture
def client_account(council):
    return user_for(council, Role.API_CLIENT, username="norfolk.api")


def _api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_key_expires_in_90_days_unless_said_and_its_issue_is_audited(client_account):
    token, key = api_token_issue(actor=None, user=client_account, name="Finance system")
    expected = timezone.now() + dt.timedelta(days=90)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    event = AuditEvent.objects.for_object(token).get()
    assert event.action == "issued" and event.commissioner_id == client_account.organisation_id
    assert _api(key).get("/api/v1/me/").status_code == 200


def test_an_expiry_must_be_in_the_future_and_within_a_year(client_account):
    with pytest.raises(ValidationError):
        api_token_issue(
            actor=None, user=client_account, name="x", expires_at=timezone.now() - dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        api_token_issue(
            actor=None, user=client_account, name="x", expires_at=timezone.now() + dt.timedelta(days=400)
        )
    assert not ApiToken.objects.exists()


def test_an_expired_key_is_refused(client_account):
    token, key = api_token_issue(actor=None, user=client_account, name="Finance system")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert _api(key).get("/api/v1/me/").status_code == 401


def test_the_command_issues_with_an_expiry(client_account):
    out, err = StringIO(), StringIO()
    call_command("issue_api_token", "norfolk.api", "Finance system", "--days", "30", stdout=out, stderr=err)
    token = ApiToken.objects.get()
    assert abs((token.expires_at - (timezone.now() + dt.timedelta(days=30))).total_seconds()) < 60
    assert (
        "Expires" in err.getvalue() and AuditEvent.objects.for_object(token).filter(action="issued").exists()
    )


def test_a_commissioner_revokes_a_key_on_the_api_access_page(client, council, client_account):
    token, key = api_token_issue(actor=None, user=client_account, name="Finance system")
    _api(key).get("/api/v1/me/")
    commissioner = user_for(council, Role.COMMISSIONER)
    client.force_login(commissioner)
    page = client.get("/api-access/").content.decode()
    assert "Finance system" in page and "Active" in page and "Revoke" in page
    assert timezone.localtime(token.expires_at).strftime("%-d %b %Y") in page
    token.refresh_from_db()
    assert token.last_used_at is not None and "Never" not in page

    response = client.post(f"/api-access/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/api-access/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(key).get("/api/v1/me/").status_code == 401
    event = AuditEvent.objects.for_object(token).get(action="revoked")
    assert event.actor == commissioner
    assert "Revoked" in client.get("/api-access/").content.decode()


def test_only_managers_of_the_keys_organisation_revoke(client, council, client_account):
    token, _key = api_token_issue(actor=None, user=client_account, name="Finance system")
    client.force_login(user_for(council, Role.BROKERAGE))
    assert client.post(f"/api-access/{token.pk}/revoke/").status_code == 403
    client.force_login(user_for(CommissionerFactory(name="Derby City Council"), Role.COMMISSIONER))
    assert client.post(f"/api-access/{token.pk}/revoke/").status_code == 404
    client.force_login(user_for(ProviderFactory(), Role.PROVIDER_MANAGER))
    assert client.post(f"/api-access/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_changing_a_keys_scopes_in_the_admin_is_audited(client, client_account):
    from portal.models import Organisation
    from portal.roles import OrganisationKind

    token, _key = api_token_issue(actor=None, user=client_account, name="Finance system")
    operator = Organisation.objects.create(name="Portal operations", kind=OrganisationKind.OPERATOR)
    admin_user = user_for(operator, Role.SITE_ADMIN)
    client.force_login(admin_user)
    url = f"/admin/portal/apitoken/{token.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    expires = timezone.localtime(token.expires_at)
    response = client.post(
        url,
        {
            "user": client_account.pk,
            "name": "Finance system",
            "scopes": '["commission"]',
            "expires_at_0": expires.strftime("%d/%m/%Y"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
            "revoked_at_0": "",
            "revoked_at_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token.refresh_from_db()
    assert token.scopes == ["commission"]
    event = AuditEvent.objects.for_object(token).get(action="changed in the admin")
    assert event.actor == admin_user and event.changes["scopes"] == [[], ["commission"]]
