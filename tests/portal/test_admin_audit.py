"""Changes made in Django's admin go through the same audit trail as the app's (issue 15): users,
organisations (and API keys' scopes, tests/portal/test_api_tokens.py); someone who has acted is
deactivated, never deleted."""

import pytest

from portal import audit
from portal.models import AuditEvent, Organisation, User
from portal.roles import OrganisationKind, Role
from tests.factories import ProviderFactory, user_for


@pytest.fixture
def admin_user(db):
    operator = Organisation.objects.create(name="Portal operations", kind=OrganisationKind.OPERATOR)
    return user_for(operator, Role.SITE_ADMIN, username="operator")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _user_form(user, **overrides):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": user.organisation_id,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k.startswith(("last_login", "first", "last_"))}


def test_changing_a_users_role_in_the_admin_is_audited(admin_client, admin_user):
    sam = user_for(ProviderFactory(), Role.PROVIDER_STAFF, username="sam")
    response = admin_client.post(
        f"/admin/portal/user/{sam.pk}/change/", _user_form(sam, role=Role.PROVIDER_MANAGER)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sam.refresh_from_db()
    assert sam.role == Role.PROVIDER_MANAGER
    event = AuditEvent.objects.for_object(sam).get()
    assert (event.action, event.actor, event.changes) == (
        "changed in the admin",
        admin_user,
        {"role": ["provider_staff", "provider_manager"]},
    )
    assert event.provider_id == sam.organisation_id  # the provider's managers read it too


def test_changing_an_organisation_in_the_admin_is_audited(admin_client, admin_user):
    wessex = ProviderFactory(name="Wessex Homecare")
    response = admin_client.post(
        f"/admin/portal/organisation/{wessex.pk}/change/",
        {
            "name": "Wessex Homecare Ltd",
            "kind": "provider",
            "cqc_rating": wessex.cqc_rating,
            "cqc_location_id": wessex.cqc_location_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.for_object(wessex).get()
    assert event.action == "changed in the admin" and event.changes["name"] == [
        "Wessex Homecare",
        "Wessex Homecare Ltd",
    ]
    assert event.actor_name == "operator" and event.actor_organisation_name == "Portal operations"


def test_adding_an_organisation_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/portal/organisation/add/", {"name": "Kernow Care", "kind": "provider"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    kernow = Organisation.objects.get(name="Kernow Care")
    assert AuditEvent.objects.for_object(kernow).get().action == "created in the admin"


def test_a_user_who_has_acted_cannot_be_deleted_in_the_admin(admin_client, admin_user):
    sam = user_for(ProviderFactory(), Role.PROVIDER_STAFF, username="sam")
    audit.record(actor=sam, obj=sam.organisation, action="details changed")
    page = admin_client.get(f"/admin/portal/user/{sam.pk}/delete/", follow=True)
    assert "cannot be deleted" in page.content.decode() and "Deactivate it instead" in page.content.decode()
    admin_client.post(f"/admin/portal/user/{sam.pk}/delete/", {"post": "yes"})
    admin_client.post(
        "/admin/portal/user/", {"action": "delete_selected", "_selected_action": [sam.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=sam.pk).exists()
    # Deactivating in the admin is audited.
    admin_client.post("/admin/portal/user/", {"action": "deactivate_selected", "_selected_action": [sam.pk]})
    sam.refresh_from_db()
    assert not sam.is_active
    assert AuditEvent.objects.for_object(sam).get(action="deactivated in the admin").actor == admin_user


def test_a_user_who_never_acted_can_be_deleted_and_that_is_audited(admin_client):
    temp = user_for(ProviderFactory(), Role.PROVIDER_STAFF, username="typo")
    pk = temp.pk
    response = admin_client.post(f"/admin/portal/user/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(object_id=str(pk), action="deleted in the admin").exists()


def test_the_backfill_names_the_actors_of_earlier_entries_and_reverses(db):
    """Entries written before names were stored get them from the account as it is now."""
    import importlib

    from django.db import connection

    backfill = importlib.import_module("portal.migrations.0012_backfill_audit_actor_names")
    wessex = ProviderFactory(name="Wessex Homecare")
    maria = user_for(wessex, Role.PROVIDER_MANAGER, username="maria", first_name="Maria", last_name="Lopez")
    bare = user_for(wessex, Role.PROVIDER_STAFF, username="sam", first_name="", last_name="")
    events = [audit.record(actor=person, obj=wessex, action="details changed") for person in (maria, bare)]
    system = audit.record(actor=None, obj=wessex, action="details changed")
    AuditEvent.objects.update(actor_name="", actor_organisation_name="")  # as before the migration

    with connection.cursor() as cursor:
        cursor.execute(backfill.FILL)
    names = [
        AuditEvent.objects.values_list("actor_name", "actor_organisation_name").get(pk=e.pk) for e in events
    ]
    assert names == [("Maria Lopez (maria)", "Wessex Homecare"), ("sam", "Wessex Homecare")]
    assert AuditEvent.objects.get(pk=system.pk).actor_label == "The portal"

    with connection.cursor() as cursor:
        cursor.execute(backfill.CLEAR)
    assert not AuditEvent.objects.exclude(actor_name="").exists()


def test_deleting_an_organisation_in_the_admin_is_audited(admin_client):
    kernow = ProviderFactory(name="Kernow Care")
    pk = kernow.pk
    response = admin_client.post(f"/admin/portal/organisation/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(object_id=str(pk), action="deleted in the admin")
    assert (event.object_repr, event.provider_id, event.actor_name) == ("Kernow Care", None, "operator")
