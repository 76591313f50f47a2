"""The "People in <organisation>" pages in a browser (issue 15): a provider's manager invites
someone, the invitee chooses a password from the emailed link and sets up their authenticator app,
and the manager resets it; each page passes axe and is screenshot (var/screenshots/people-*.png)."""

import re

from django.core import mail
from playwright.sync_api import expect

from portal.roles import Role
from tests.browser.test_accessibility import _describe, axe_violations
from tests.factories import PASSWORD, ProviderFactory, user_for


def _accessible(page):
    violations = axe_violations(page)
    assert not violations, _describe(violations)


def test_a_manager_invites_someone_who_joins(browser, page, live_server, sign_in, screenshot):
    wessex = ProviderFactory(name="Wessex Homecare")
    user_for(wessex, Role.PROVIDER_MANAGER, username="maria", first_name="Maria", last_name="Lopez")
    user_for(wessex, Role.PROVIDER_STAFF, username="sam", first_name="Sam", last_name="Carter")
    sign_in(page, "maria", PASSWORD)

    page.get_by_role("link", name="People in Wessex Homecare").click()
    expect(page.get_by_role("heading", name="People in Wessex Homecare")).to_be_visible()
    _accessible(page)
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Adeyemi")
    page.get_by_label("Email address").fill("jo@wessex.example")
    page.get_by_label("Provider staff").check()
    _accessible(page)
    screenshot(page, "people-invite")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("The invitation is on its way to jo@wessex.example.")).to_be_visible()
    _accessible(page)
    screenshot(page, "people-person-invited")
    page.get_by_role("link", name="People in Wessex Homecare").first.click()
    expect(page.get_by_role("cell", name="Invited")).to_be_visible()
    screenshot(page, "people-list")

    # The invitee, in another browser, from the emailed link.
    link = re.search(r"http://[^/\s]+(/accounts/invitation/\S+/)", mail.outbox[-1].body).group(1)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    jo = context.new_page()
    jo.goto(link)
    expect(jo.get_by_role("heading", name="Choose your password")).to_be_visible()
    _accessible(jo)
    screenshot(jo, "people-invitation-accept")
    jo.get_by_label("Choose a password").fill("Kestrel-harbour-72")
    jo.get_by_label("Type it again").fill("Kestrel-harbour-72")
    jo.get_by_role("button", name="Save my password").click()
    expect(jo.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    context.close()

    # The manager's page for Sam, and changing one's own password.
    page.goto("/people/")
    page.get_by_role("link", name="Sam Carter").click()
    _accessible(page)
    screenshot(page, "people-person")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    _accessible(page)
    screenshot(page, "people-password-change")
