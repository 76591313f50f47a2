import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, ProviderFactory, user_for
from tests.signin import SignedInAPIClient, SignedInClient

# Hypothesis on CI: the same examples every run (a failure under load reproduces with the same
# seed), no deadline (a loaded 2-core machine is slow, not wrong), no example database. Locally:
# random examples, still no deadline. HYPOTHESIS_PROFILE=ci picks CI's anywhere.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture
def client():
    """pytest-django's `client`, whose force_login and login sign in with the second factor (the
    portal answers nothing before it); tests of the second factor use django.test.Client."""
    return SignedInClient()


@pytest.fixture
def api_client():
    return SignedInAPIClient()


@pytest.fixture
def commissioner_org(db):
    return CommissionerFactory(name="Test County Council")


@pytest.fixture
def provider_org(db):
    return ProviderFactory(name="Test Care Ltd")


def _user_fixture(name, organisation_fixture, role, username):
    """A fixture `name`: the user `username` with `role` in the organisation fixture's organisation."""

    @pytest.fixture(name=name)
    def _user(request):
        return user_for(request.getfixturevalue(organisation_fixture), role, username=username)

    return _user


commissioner_user = _user_fixture("commissioner_user", "commissioner_org", Role.COMMISSIONER, "commissioner")
brokerage_user = _user_fixture("brokerage_user", "commissioner_org", Role.BROKERAGE, "brokerage")
provider_manager = _user_fixture("provider_manager", "provider_org", Role.PROVIDER_MANAGER, "manager")
provider_staff = _user_fixture("provider_staff", "provider_org", Role.PROVIDER_STAFF, "staff")


@pytest.fixture
def login(client):
    """login(user) signs the Django test client in with the factory password."""

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker on Redis, in a separate process, reading the test database.

    Each use gets its own queue, so parallel test workers never take each other's tasks.
    Yields a function that sends a task by name and waits for its result.
    """
    import subprocess
    import sys
    import uuid

    from django.db import connection

    from portal.celery import app

    broker = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    from portal.dbserver import socket_url

    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host") or "127.0.0.1"
    port = int(db["PORT"] or db["OPTIONS"].get("port") or 5432)
    if host.startswith("/"):  # the embedded server, on a Unix socket
        database_url = socket_url(host, db["NAME"], port)
    else:
        database_url = f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    previous = {k: app.conf[k] for k in keys}

    def _reconfigure(**conf):
        # Code under test may enqueue with .delay(): point the app itself at the worker too,
        # dropping the connection pool and result backend it cached while eager.
        app.conf.update(conf)
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)
        app.__dict__.pop("amqp", None)
        app._pool = None

    _reconfigure(task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False

    from celery import Celery

    # Not the current app: shared tasks that code under test enqueues with .delay() must keep
    # going through the portal's app (reconfigured above), not this one's default queue.
    sender = Celery("portal-test-sender", broker=broker, backend=broker, set_as_current=False)

    def run(task_name, *args, timeout=120, **kwargs):
        result = sender.send_task(task_name, args=args, kwargs=kwargs, queue=queue)
        return result.get(timeout=timeout)

    try:
        yield run
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        _reconfigure(**previous)
        sender.close()
        if worker.returncode not in (0, -15, None) and output:
            print(output.decode(errors="replace")[-4000:])


class Inbox:
    """What a test SMTP server received: `messages` (email.message.EmailMessage, with `rcpt_tos`)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.rcpt_tos = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count, timeout=30.0):
        """Wait until `count` messages have arrived (a worker or a browser sends them); return them."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)

    def to(self, address):
        return [m for m in self.messages if address in m.rcpt_tos]


@pytest.fixture
def smtp_server(settings, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free local port; Django's SMTP backend is pointed at it,
    and so is EMAIL_URL, for a Celery worker the test starts after this fixture. Yields its Inbox."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{port}")
    try:
        yield inbox
    finally:
        controller.stop()
