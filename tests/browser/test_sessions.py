"""The idle-session warning in a browser (static/js/session-timeout.js): shown before the session
ends, "Stay signed in" keeps it without leaving the page, and the sign-in page follows its end;
and signing in is password, then the authenticator code (issue 15)."""

from playwright.sync_api import expect

from portal.roles import Role
from tests.browser.test_accessibility import _describe, axe_violations
from tests.factories import PASSWORD, CommissionerFactory, user_for


def test_the_warning_and_stay_signed_in(page, live_server, sign_in, settings, screenshot):
    user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia")
    sign_in(page, "nadia", PASSWORD)  # sets up the authenticator app on the way
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    warning = page.get_by_role("alertdialog", name="You are about to be signed out")
    expect(warning).to_be_hidden()

    # The warning comes two minutes before the end: with a two-minute limit, straight away.
    settings.PORTAL = {**settings.PORTAL, "SESSION_IDLE_MINUTES": 2, "SESSION_WARNING_MINUTES": 2}
    page.reload()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("2 minutes")
    violations = axe_violations(page)
    assert not violations, _describe(violations)
    screenshot(page, "session-warning")
    with page.expect_response("**/accounts/session/") as stayed:
        warning.get_by_role("button", name="Stay signed in").click()
    assert stayed.value.status == 200 and stayed.value.json()["seconds_left"] >= 110
    assert page.url.endswith("/")

    # Once the session has ended, the page goes to sign in.
    settings.PORTAL = {**settings.PORTAL, "SESSION_IDLE_MINUTES": 0}
    page.reload()
    page.wait_for_url("**/accounts/login/**")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_second_factor_pages_are_accessible(page, live_server, screenshot):
    user_for(CommissionerFactory(), Role.COMMISSIONER, username="nadia")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    violations = axe_violations(page)
    assert not violations, _describe(violations)
    screenshot(page, "second-factor-set-up")
