"""Signing in through the pages, as a person does: password, then the authenticator app's code.

A person with no authenticator yet (a factory user) sets one up on the way, reading the secret key
off the set-up page as they would type it into their app; the demo accounts carry the demo secret
(`PORTAL["DEMO_TOTP_SECRET"]`). allauth refuses a code used once already, so each sign-in types a
code not typed before (the test settings accept the periods either side of now).
"""

import time

from django.conf import settings

from tests.signin import totp_code

#: username -> the secret their authenticator app holds (set up during these tests).
_secrets: dict[str, str] = {}
_used: set[tuple[str, str, int]] = set()


def _fresh_code(username: str, secret: str) -> str:
    tolerance = getattr(settings, "MFA_TOTP_TOLERANCE", 0)
    while True:
        period = int(time.time()) // getattr(settings, "MFA_TOTP_PERIOD", 30)
        # Now's code first, then later ones, and an earlier one last: a code typed on a loaded
        # machine may reach the server a period later, when an earlier code would be too old.
        for offset in [0, *range(1, tolerance + 1), *range(-1, -tolerance - 1, -1)]:
            if (username, secret, period + offset) not in _used:
                _used.add((username, secret, period + offset))
                return totp_code(secret, counter=period + offset)
        time.sleep(1)


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        secret = _secrets.get(username) or settings.PORTAL["DEMO_TOTP_SECRET"]
        page.get_by_label("Code").fill(_fresh_code(username, secret))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("networkidle")
    elif "/accounts/2fa/totp/activate/" in page.url:
        secret = page.get_by_label("Secret key").input_value()
        _secrets[username] = secret
        page.get_by_label("Code from the app").fill(_fresh_code(username, secret))
        page.get_by_role("button", name="Set up").click()
        page.wait_for_load_state("networkidle")
        page.get_by_role("link", name="Continue to the portal").click()
        page.wait_for_load_state("networkidle")
