import os

import pytest
from rest_framework.test import APIClient

from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, ProviderFactory, user_for


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def commissioner_org(db):
    return CommissionerFactory(name="Test County Council")


@pytest.fixture
def provider_org(db):
    return ProviderFactory(name="Test Care Ltd")


@pytest.fixture
def commissioner_user(commissioner_org):
    return user_for(commissioner_org, Role.COMMISSIONER, username="commissioner")


@pytest.fixture
def brokerage_user(commissioner_org):
    return user_for(commissioner_org, Role.BROKERAGE, username="brokerage")


@pytest.fixture
def provider_manager(provider_org):
    return user_for(provider_org, Role.PROVIDER_MANAGER, username="manager")


@pytest.fixture
def provider_staff(provider_org):
    return user_for(provider_org, Role.PROVIDER_STAFF, username="staff")


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
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
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

    sender = Celery("portal-test-sender", broker=broker, backend=broker)

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
