"""A signed-in session ends after 30 minutes without activity (with a warning and "stay signed in"
before it does) and after 12 hours whatever the activity; a form sent after its session ended gets
the portal's "your session ended" page (issue 15)."""

import time

import pytest
from django.test import Client

from portal.accounts import sessions
from portal.roles import Role
from tests.factories import CommissionerFactory, user_for


@pytest.fixture
def person(db):
    return user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia")


def _age(client, *, idle_minutes=0, signed_in_hours=0):
    """Move the session's clocks into the past, as if time had passed without requests."""
    session = client.session
    now = time.time()
    session[sessions.LAST_ACTIVE_AT] = now - idle_minutes * 60
    session[sessions.SIGNED_IN_AT] = now - max(signed_in_hours * 3600, idle_minutes * 60)
    session.save()


def test_an_idle_session_ends_after_the_timeout(client, person):
    client.force_login(person)
    assert client.get("/").status_code == 200
    _age(client, idle_minutes=31)
    response = client.get("/alerts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/alerts/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in page
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_activity_keeps_the_session(client, person):
    client.force_login(person)
    _age(client, idle_minutes=29)
    assert client.get("/").status_code == 200
    assert client.session[sessions.LAST_ACTIVE_AT] > time.time() - 5


def test_the_session_ends_after_twelve_hours_whatever_the_activity(client, person):
    client.force_login(person)
    _age(client, idle_minutes=1, signed_in_hours=12)
    response = client.get("/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_asking_how_long_is_left_is_not_activity_and_staying_signed_in_is(client, person, settings):
    client.force_login(person)
    _age(client, idle_minutes=29)
    state = client.get("/accounts/session/").json()
    assert 50 <= state["seconds_left"] <= 60 and state["warning_seconds"] == 120
    assert client.get("/accounts/session/").json()["seconds_left"] <= 60  # still counting down
    stay = client.post("/accounts/session/", HTTP_ACCEPT="application/json").json()
    assert stay["seconds_left"] >= 29 * 60
    back = client.post("/accounts/session/", {"next": "/alerts/"})
    assert back.status_code == 302 and back["Location"] == "/alerts/"
    elsewhere = client.post("/accounts/session/", {"next": "https://example.org/"})
    assert elsewhere["Location"] == "/"


def test_the_idle_limit_is_a_setting(client, person, settings):
    settings.PORTAL = {**settings.PORTAL, "SESSION_IDLE_MINUTES": 10}
    client.force_login(person)
    _age(client, idle_minutes=11)
    assert client.get("/").status_code == 302 and "_auth_user_id" not in client.session


def test_pages_carry_the_warning_and_its_script(client, person):
    client.force_login(person)
    page = client.get("/").content.decode()
    assert 'id="session-timeout-dialog"' in page and "Stay signed in" in page
    assert "js/session-timeout.js" in page


def test_a_form_sent_after_the_session_ended_gets_the_portal_page(person):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your session ended" in page and "What you typed was not saved" in page
