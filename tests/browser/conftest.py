"""Browser tests drive headless Chromium (Debian's, never a downloaded one) with Playwright.

They run against pytest-django's live server; screenshots go to var/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.browser import signing_in

# Playwright's sync API runs an event loop in the test thread, where fixtures use the ORM.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    # The demo tests first: xdist's load scheduling hands the first tests in one block to one
    # worker, so they run one after another there and share one load of the demo.
    items.sort(key=lambda item: "demo_data" not in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs it with apt-get")
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


# The whole demo takes about half a minute to load. Tests that only read it share one load: the
# data is committed, kept while demo tests follow one another, and flushed (as a transactional
# test's data is) after the last of them, before any other test runs.
_demo = {"loaded": False, "blocker": None}


@pytest.fixture(autouse=True)
def _live_server_helper(request):
    """pytest-django's helper, except that demo tests use the shared demo instead of a fresh
    transactional database."""
    if "live_server" not in request.fixturenames:
        yield
        return
    if "demo_data" in request.fixturenames:
        request.getfixturevalue("demo_data")
    else:
        request.getfixturevalue("transactional_db")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture
def demo_data(django_db_setup, django_db_blocker):
    from io import StringIO

    from django.core.management import call_command

    _demo["blocker"] = django_db_blocker
    with django_db_blocker.unblock():
        if not _demo["loaded"]:
            call_command("load_demo", stdout=StringIO())
            _demo["loaded"] = True
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # Before the fixtures' teardown: after the last test, that drops the test database.
    uses_demo = "demo_data" in getattr(item, "fixturenames", ())
    next_uses_demo = nextitem is not None and "demo_data" in getattr(nextitem, "fixturenames", ())
    if uses_demo and not next_uses_demo and _demo["loaded"]:
        from django.core.management import call_command

        with _demo["blocker"].unblock():
            call_command("flush", interactive=False, verbosity=0)
        _demo["loaded"] = False
    return (yield)


@pytest.fixture
def sign_in():
    def _sign_in(page, username, password="portal-demo-2026"):
        signing_in.sign_in(page, username, password)

    return _sign_in
