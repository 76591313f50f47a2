"""Every person signs in with a second factor (issue 15): an authenticator app code (TOTP) or a
recovery code, set up on first sign-in. Nothing answers before it; API tokens stay single-factor.

These use django.test.Client and the real pages, not the suite's SignedInClient."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from rest_framework.test import APIClient

from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, api_token_for, user_for
from tests.signin import totp_code

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def person(db):
    return user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia", email="nadia@example.org")


@pytest.fixture
def enrolled(person):
    TOTP.activate(person, SECRET)
    RecoveryCodes.activate(person)
    return person


def _password(client, username="nadia", password=PASSWORD):
    return client.post("/accounts/login/", {"login": username, "password": password})


def _nothing_answers(client):
    """No page and no session API call answers: pages send to sign-in or set-up, the API refuses."""
    for url in ("/", "/schemes/", "/alerts/", "/api-access/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/accounts/login/", "/accounts/2fa/")), url
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_the_password_alone_reaches_nothing(enrolled):
    client = Client()
    response = _password(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    _nothing_answers(client)
    assert "_auth_user_id" not in client.session


def test_the_code_after_the_password_signs_in(enrolled):
    client = Client()
    _password(client)
    assert b"Enter the code from your authenticator app" in client.get("/accounts/2fa/authenticate/").content
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_a_recovery_code_stands_in_for_a_lost_phone(enrolled):
    client = Client()
    _password(client)
    code = RecoveryCodes(Authenticator.objects.get(user=enrolled, type="recovery_codes")).get_unused_codes()[
        0
    ]
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/").status_code == 200


def test_a_person_without_an_authenticator_is_sent_to_set_one_up(transactional_db, person):
    """(Transactional: allauth reports the set-up on commit, inside the request, as in production.)"""
    client = Client()
    response = _password(client)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/totp/activate/"
    _nothing_answers(client)

    form = client.get("/accounts/2fa/totp/activate/")
    assert b"Set up your authenticator app" in form.content
    secret = form.context["form"].secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert b"Your recovery codes" in codes.content and len(codes.context["unused_codes"]) == 10
    # Typing the app's code proved the second factor: this session now reaches the portal.
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(object_id=str(person.pk), action="second factor added (totp)").exists()


def test_another_authorization_header_does_not_pass_a_session_without_the_second_factor(person):
    client = Client()
    _password(client)  # signed in, no authenticator yet
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Basic bmFkaWE6eA==").status_code == 403
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-key").status_code == 401


def test_a_session_made_without_the_second_factor_is_signed_out(enrolled):
    """E.g. a session from Django's own login(): the person has an authenticator, the session never
    passed it."""
    client = Client()
    client.force_login(enrolled)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_second_factor_cannot_be_turned_off(enrolled):
    client = Client()
    _password(client)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
    client.post("/accounts/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=enrolled, type="totp").exists()


def test_the_admin_site_signs_in_through_the_portal(db):
    response = Client().get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_api_tokens_stay_single_factor(db):
    _user, key = api_token_for(CommissionerFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200


def test_an_api_client_account_cannot_sign_in_to_the_browser(db):
    """norfolk.api could sign in and see 124 people (issue 15): refused with a clear message,
    while its token still works."""
    user, key = api_token_for(CommissionerFactory(), username="norfolk.api")
    client = Client()
    response = _password(client, "norfolk.api")
    assert response.status_code == 200
    assert "This is an API client account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
