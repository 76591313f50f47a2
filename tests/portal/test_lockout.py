"""Failed sign-ins lock the account and the address (django-axes); the API and password-reset
emails are throttled (issue 15)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, api_token_for, user_for


@pytest.fixture
def person(db):
    return user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia", email="nadia@example.org")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttles count in the cache
    yield
    cache.clear()


def _sign_in(client, username="nadia", password=PASSWORD, address="192.0.2.10"):
    return client.post("/accounts/login/", {"login": username, "password": password}, REMOTE_ADDR=address)


def test_ten_bad_passwords_in_a_row_lock_the_account(person):
    client = Client()
    for _ in range(9):
        assert _sign_in(client, password="wrong").status_code == 200
    assert _sign_in(client, password="wrong").status_code == 429  # the tenth: now locked
    response = _sign_in(client)  # the right password, the eleventh try
    assert response.status_code == 429
    page = response.content.decode()
    assert "Signing in is locked for now" in page and "30 minutes" in page and "nadia" in page
    assert "_auth_user_id" not in client.session
    # From another address too: the account is locked, not only the address.
    assert _sign_in(Client(), address="198.51.100.7").status_code == 429


def test_the_lock_ends_after_the_cool_off(person):
    client = Client()
    for _ in range(10):
        _sign_in(client, password="wrong")
    assert _sign_in(client).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = _sign_in(client)
    assert response.status_code == 302


def test_a_good_sign_in_resets_the_count(person):
    client = Client()
    for _ in range(9):
        _sign_in(client, password="wrong")
    assert _sign_in(client).status_code == 302
    client = Client()
    for _ in range(9):
        _sign_in(client, password="wrong")
    assert _sign_in(client).status_code == 302


def test_ten_bad_passwords_from_one_address_lock_the_address(person):
    client = Client()
    for n in range(10):
        _sign_in(client, username=f"guess{n}", password="wrong")
    assert _sign_in(client).status_code == 429
    assert _sign_in(Client(), address="198.51.100.7").status_code == 302


def test_the_api_is_throttled_per_account(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute", "password_reset": None},
    }
    _user, key = api_token_for(CommissionerFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_password_reset_emails_are_throttled_per_address(person, settings, mailoutbox):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "password_reset": "2/hour"},
    }
    client = Client()
    statuses = [
        client.post("/accounts/password-reset/", {"email": "nadia@example.org"}).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(mailoutbox) == 2
