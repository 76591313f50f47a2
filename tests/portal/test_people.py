"""Accounts run by the organisations (issue 15): a manager invites people by email (a one-time link
that expires), changes their role, deactivates and reactivates them, resets their second factor
and unlocks them; each action audited; never across organisations, never above their own powers.

The sign-in paths use django.test.Client and the real pages; the manager's pages the suite's
signed-in `client`."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.lockout import is_locked
from portal.models import AuditEvent, Organisation, User
from portal.roles import OrganisationKind, Role
from tests.factories import PASSWORD, CommissionerFactory, ProviderFactory, api_token_for, user_for
from tests.signin import totp_code

NEW_PASSWORD = "Kestrel-harbour-72"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttles and lockouts count in the cache and the database
    yield
    cache.clear()


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Wessex Homecare")


@pytest.fixture
def manager(provider):
    return user_for(provider, Role.PROVIDER_MANAGER, username="maria", first_name="Maria", last_name="Lopez")


@pytest.fixture
def staff(provider):
    return user_for(provider, Role.PROVIDER_STAFF, username="sam", first_name="Sam", last_name="Carter")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _invite(client, email="jo@wessex.example", role=Role.PROVIDER_STAFF):
    return client.post(
        "/people/invite/", {"first_name": "Jo", "last_name": "Adeyemi", "email": email, "role": role}
    )


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/invitation/\S+/)", message.body).group(1)


def _sign_in(client, username, password=PASSWORD, address="192.0.2.10"):
    return client.post("/accounts/login/", {"login": username, "password": password}, REMOTE_ADDR=address)


# Inviting -----------------------------------------------------------------------------------------


def test_invite_accept_set_password_enrol_and_sign_in(transactional_db, provider, manager):
    """The whole path: the manager invites; the email's link sets the password; the portal asks for
    the authenticator app before anything else; with it, the person is in."""
    client = Client()
    _sign_in(client, "maria")
    TOTP.activate(manager, SECRET)
    client = Client()
    _sign_in(client, "maria")
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
    response = _invite(client)
    assert response.status_code == 302

    jo = User.objects.get(email="jo@wessex.example")
    assert (jo.username, jo.organisation, jo.role, jo.is_active) == (
        "jo@wessex.example",
        provider,
        Role.PROVIDER_STAFF,
        False,
    )
    assert not jo.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jo@wessex.example"]
    assert "72 hours" in mail.outbox[0].body and "Wessex Homecare" in mail.outbox[0].subject

    invitee = Client()
    link = _link(mail.outbox[0])
    page = invitee.get(link)
    assert page.status_code == 200 and b"Choose your password" in page.content
    mismatch = invitee.post(link, {"password1": NEW_PASSWORD, "password2": "something else"})
    assert mismatch.status_code == 200 and b"not the same" in mismatch.content
    weak = invitee.post(link, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and not User.objects.get(pk=jo.pk).is_active

    done = invitee.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/2fa/totp/activate/"
    jo.refresh_from_db()
    assert jo.is_active and jo.check_password(NEW_PASSWORD)
    # Signed in with the password only: nothing answers until the authenticator app is set up.
    home = invitee.get("/")
    assert home.status_code == 302 and home["Location"] == "/accounts/2fa/totp/activate/"
    assert invitee.get("/api/v1/me/").status_code == 403

    form = invitee.get("/accounts/2fa/totp/activate/")
    secret = form.context["form"].secret
    enrolled = invitee.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert enrolled.status_code == 302
    assert invitee.get("/").status_code == 200
    assert invitee.get("/api/v1/me/").json()["username"] == "jo@wessex.example"

    actions = list(AuditEvent.objects.for_object(jo).order_by("at", "id").values_list("action", "actor_name"))
    assert actions == [
        ("invited", "Maria Lopez (maria)"),
        ("accepted the invitation", "Jo Adeyemi (jo@wessex.example)"),
        ("second factor added (totp)", "Jo Adeyemi (jo@wessex.example)"),
        ("second factor added (recovery_codes)", "Jo Adeyemi (jo@wessex.example)"),
    ]
    # The link is used up.
    again = Client().get(link)
    assert again.status_code == 410 and b"already been used" in again.content


def test_an_expired_link_is_refused(manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(manager_client)
    link = _link(mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(hours=72, seconds=1)):
        response = Client().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410 and b"expired" in response.content
    assert not User.objects.get(email="jo@wessex.example").is_active
    # Within the 72 hours it works.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=71)):
        assert Client().get(link).status_code == 200


def test_a_new_invitation_replaces_the_old_link(manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(manager_client)
    jo = User.objects.get(email="jo@wessex.example")
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(f"/people/{jo.pk}/invite-again/").status_code == 302
    old, new = _link(mail.outbox[0]), _link(mail.outbox[1])
    assert old != new
    assert Client().get(old).status_code == 410
    assert Client().get(new).status_code == 200
    assert Client().get("/accounts/invitation/made-up-key/").status_code == 410


def test_invite_refuses_a_role_above_the_manager_and_a_taken_address(manager_client, staff):
    response = _invite(manager_client, role=Role.COMMISSIONER)  # not a provider's role
    assert response.status_code == 200 and not User.objects.filter(email="jo@wessex.example").exists()
    response = _invite(manager_client, role=Role.API_CLIENT)  # systems are the operator's
    assert response.status_code == 200
    response = _invite(manager_client, email="SAM@example.org")  # staff's address, any case
    assert response.status_code == 200 and b"already has an account" in response.content
    assert len(mail.outbox) == 0


def test_staff_cannot_invite(client, staff):
    client.force_login(staff)
    assert _invite(client).status_code == 403
    assert client.get("/people/").status_code == 403


# Role, deactivation ----------------------------------------------------------------------------


def test_role_change_is_audited_and_effective(manager_client, manager, staff):
    assert not staff.can("provider_manage")
    response = manager_client.post(f"/people/{staff.pk}/role/", {"role": Role.PROVIDER_MANAGER})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.role == Role.PROVIDER_MANAGER and staff.can("provider_manage")
    event = AuditEvent.objects.for_object(staff).get(action="role changed")
    assert event.changes == {"role": ["provider_staff", "provider_manager"]} and event.actor == manager
    assert event.provider_id == staff.organisation_id  # the organisation's trail


def test_a_manager_cannot_change_their_own_role_nor_deactivate_themselves(manager_client, manager):
    response = manager_client.post(f"/people/{manager.pk}/role/", {"role": Role.PROVIDER_STAFF})
    assert response.status_code == 200 and b"cannot change your own role" in response.content
    manager_client.post(f"/people/{manager.pk}/deactivate/")
    manager.refresh_from_db()
    assert manager.role == Role.PROVIDER_MANAGER and manager.is_active
    assert not AuditEvent.objects.for_object(manager).exists()


def test_a_deactivated_person_cannot_sign_in_and_their_api_key_is_refused(manager_client, manager, provider):
    sam = user_for(provider, Role.PROVIDER_STAFF, username="sam")
    api_user, key = api_token_for(provider, username="wessex.api")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200

    for person in (sam, api_user):
        assert manager_client.post(f"/people/{person.pk}/deactivate/").status_code == 302
        person.refresh_from_db()
        assert not person.is_active
        event = AuditEvent.objects.for_object(person).get(action="deactivated")
        assert event.changes == {"is_active": [True, False]} and event.actor == manager

    response = _sign_in(Client(), "sam")
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    assert api.get("/api/v1/me/").status_code == 401

    # Reactivated, they sign in again (password, then their second factor).
    assert manager_client.post(f"/people/{sam.pk}/reactivate/").status_code == 302
    assert _sign_in(Client(), "sam").status_code == 302
    assert AuditEvent.objects.for_object(sam).filter(action="reactivated").exists()


def test_a_session_of_a_deactivated_person_ends(manager_client, client, staff):
    from tests.signin import SignedInClient

    sam_client = SignedInClient()
    sam_client.force_login(staff)
    assert sam_client.get("/").status_code == 200
    manager_client.post(f"/people/{staff.pk}/deactivate/")
    response = sam_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Second factor, lockout -----------------------------------------------------------------------


def test_resetting_the_second_factor_forces_enrolment_at_next_sign_in(manager_client, manager, staff):
    TOTP.activate(staff, SECRET)
    RecoveryCodes.activate(staff)
    before = Client()
    assert _sign_in(before, "sam")["Location"] == "/accounts/2fa/authenticate/"

    assert manager_client.post(f"/people/{staff.pk}/reset-second-factor/").status_code == 302
    assert not Authenticator.objects.filter(user=staff).exists()
    event = AuditEvent.objects.for_object(staff).get(action="second factor reset")
    assert event.changes == {"authenticators": [["recovery_codes", "totp"], []]} and event.actor == manager

    after = Client()
    response = _sign_in(after, "sam")
    assert response.status_code == 302 and response["Location"] == "/"
    page = after.get("/")
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/totp/activate/"


def test_unlocking_clears_the_lockout(manager_client, manager, staff):
    client = Client()
    for _ in range(10):
        _sign_in(client, "sam", password="wrong")
    assert _sign_in(Client(), "sam", address="198.51.100.7").status_code == 429
    assert is_locked("sam")
    page = manager_client.get(f"/people/{staff.pk}/")
    assert b"Locked" in page.content and b"Unlock the account" in page.content

    assert manager_client.post(f"/people/{staff.pk}/unlock/").status_code == 302
    assert not is_locked("sam") and not AccessAttempt.objects.filter(username="sam").exists()
    assert AuditEvent.objects.for_object(staff).get(action="unlocked").actor == manager
    # From another address (the first address's own lock is not the manager's to lift).
    assert _sign_in(Client(), "sam", address="198.51.100.7").status_code == 302


# Scope ----------------------------------------------------------------------------------------


def test_another_organisations_people_are_not_found(manager_client, db):
    other = user_for(ProviderFactory(), Role.PROVIDER_STAFF, username="elsewhere")
    TOTP.activate(other, SECRET)
    for url in (f"/people/{other.pk}/", f"/people/{other.pk}/role/"):
        assert manager_client.get(url).status_code == 404
    for action in ("deactivate", "reset-second-factor", "unlock", "invite-again", "reactivate"):
        assert manager_client.post(f"/people/{other.pk}/{action}/").status_code == 404
    assert (
        manager_client.post(f"/people/{other.pk}/role/", {"role": Role.PROVIDER_MANAGER}).status_code == 404
    )
    other.refresh_from_db()
    assert other.is_active and other.role == Role.PROVIDER_STAFF
    assert Authenticator.objects.filter(user=other).exists()
    assert not AuditEvent.objects.for_object(other).exists()
    assert b"elsewhere" not in manager_client.get("/people/").content


def test_the_people_page_lists_the_organisation(manager_client, manager, staff):
    page = manager_client.get("/people/")
    text = page.content.decode()
    assert page.status_code == 200 and "People in Wessex Homecare" in text
    assert "Sam Carter" in text and "Maria Lopez" in text
    assert 'href="/people/"' in manager_client.get("/").content.decode()  # linked from the header


# The trail keeps the actor; the site administrator --------------------------------------------


def test_the_trail_names_the_actor_after_deactivation(manager_client, manager, staff, provider):
    other_manager = user_for(provider, Role.PROVIDER_MANAGER, username="lee", first_name="Lee")
    manager_client.post(f"/people/{staff.pk}/role/", {"role": Role.PROVIDER_MANAGER})
    manager.first_name = "Renamed"
    manager.save()
    from tests.signin import SignedInClient

    lee = SignedInClient()
    lee.force_login(other_manager)
    lee.post(f"/people/{manager.pk}/deactivate/")
    manager.refresh_from_db()
    assert not manager.is_active

    event = AuditEvent.objects.for_object(staff).get(action="role changed")
    assert (event.actor_name, event.actor_organisation_name) == ("Maria Lopez (maria)", "Wessex Homecare")
    assert event.actor_label == "Maria Lopez (maria), Wessex Homecare"
    page = lee.get(f"/people/{staff.pk}/").content.decode()
    assert "Maria Lopez (maria), Wessex Homecare" in page


def test_someone_who_has_acted_is_not_deleted(manager, staff, manager_client):
    from django.db.models.deletion import ProtectedError

    manager_client.post(f"/people/{staff.pk}/role/", {"role": Role.PROVIDER_MANAGER})
    with pytest.raises(ProtectedError, match="Deactivate it instead"):
        manager.delete()
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=manager.pk).delete()
    assert User.objects.filter(pk=manager.pk).exists()
    quiet = user_for(manager.organisation, Role.PROVIDER_STAFF, username="never-acted")
    quiet.delete()  # someone who never acted may still go


def test_create_organisation_manager_command(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_organisation_manager",
            "Dorset Council",
            "ana@dorset.example",
            kind="commissioner",
            commissioner_type="council",
            first_name="Ana",
            site_url="https://portal.example.org",
        )
    dorset = Organisation.objects.get(name="Dorset Council")
    ana = User.objects.get(email="ana@dorset.example")
    assert (dorset.kind, ana.organisation, ana.role, ana.is_active) == (
        OrganisationKind.COMMISSIONER,
        dorset,
        Role.COMMISSIONER,
        False,
    )
    assert "https://portal.example.org/accounts/invitation/" in mail.outbox[0].body
    assert AuditEvent.objects.for_object(dorset).get().action == "created"
    assert AuditEvent.objects.for_object(ana).get().action == "invited"


# Own password ---------------------------------------------------------------------------------


def test_a_signed_in_person_changes_their_own_password(client, staff):
    client.force_login(staff)
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200 and b"Change your password" in page.content
    wrong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    done = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in
    assert AuditEvent.objects.for_object(staff).get().action == "changed their password"
    assert 'href="/accounts/password/change/"' in client.get("/").content.decode()


def test_a_commissioner_manages_brokerage(client, db):
    council = CommissionerFactory()
    commissioner = user_for(council, Role.COMMISSIONER)
    broker = user_for(council, Role.BROKERAGE)
    client.force_login(commissioner)
    assert client.post(f"/people/{broker.pk}/role/", {"role": Role.COMMISSIONER}).status_code == 302
    broker.refresh_from_db()
    assert broker.role == Role.COMMISSIONER


def test_the_persons_page_keeps_the_header_for_who_is_signed_in(manager_client, staff):
    page = manager_client.get(f"/people/{staff.pk}/").content.decode()
    assert "Maria Lopez, Provider manager" in page and "Sam Carter, Provider staff" not in page
