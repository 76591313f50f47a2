"""Sign in, sign out and password reset by email (console backend by default)."""

import re

import pytest
from django.core import mail

from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, user_for


@pytest.fixture
def user(db):
    return user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia", email="nadia@example.org")


def test_sign_in_and_out(client, user):
    response = client.post("/accounts/login/", {"login": "nadia", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 302  # to set up the second factor (test_second_factor.py)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_pages_need_signing_in(client, db):
    response = client.get("/schemes/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_reset_by_email(client, user):
    response = client.post("/accounts/password-reset/", {"email": "nadia@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "nadia" in mail.outbox[0].body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Passw0rd!")


def test_password_reset_does_not_say_whether_an_address_exists(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 0
