"""The settings module, imported in a fresh process with a controlled environment."""

import json
import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cpo_portal.checks import check_site_url

BASE_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "cache_ignores_outages": settings.CACHES["default"].get("OPTIONS", {}).get("IGNORE_EXCEPTIONS"),
    "cache_logs_outages": getattr(settings, "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", False),
    "session_engine": settings.SESSION_ENGINE,
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "debug": settings.DEBUG,
    "embedded": settings.EMBEDDED,
}))
"""


def _run(args, **env):
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "cpo_portal.settings",
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(**env):
    result = _run(["-c", "import django; django.setup()\n" + PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _secret():
    return secrets.token_urlsafe(60)


def test_production_refuses_to_start_without_secret_key():
    result = _run(["manage.py", "check"])
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["manage.py", "check"], SECRET_KEY=_secret())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    signing_p12 = tmp_path / "signing.p12"  # the check looks for the file, not into it
    signing_p12.write_bytes(b"")
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="cpo.example.org",
        SITE_URL="https://cpo.example.org",
        CERTIFICATE_SIGNING_P12=str(signing_p12),
        # A production certificate names the body that issued it (certification.W010 otherwise).
        CERTIFICATION_BODY_NAME="CPO Certification GmbH",
        CERTIFICATION_BODY_ADDRESS="Musterstraße 1\\n10115 Berlin",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_when_the_certification_body_is_not_configured(tmp_path):
    signing_p12 = tmp_path / "signing.p12"
    signing_p12.write_bytes(b"")
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="cpo.example.org",
        SITE_URL="https://cpo.example.org",
        CERTIFICATE_SIGNING_P12=str(signing_p12),
    )
    assert result.returncode != 0
    assert "certification.W010" in result.stdout + result.stderr


def test_deploy_check_fails_when_site_url_is_not_set(tmp_path):
    signing_p12 = tmp_path / "signing.p12"
    signing_p12.write_bytes(b"")
    result = _run(
        ["manage.py", "check", "--deploy"],
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="cpo.example.org",
        CERTIFICATE_SIGNING_P12=str(signing_p12),
    )
    assert result.returncode != 0
    assert "cpo_portal.E001" in result.stdout + result.stderr
    assert "SITE_URL is not set" in result.stdout + result.stderr


def test_site_url_check_is_quiet_in_development_and_when_set(settings):
    settings.DEBUG = False
    settings.SITE_URL_CONFIGURED = False
    assert [m.id for m in check_site_url()] == ["cpo_portal.E001"]
    settings.SITE_URL_CONFIGURED = True
    assert check_site_url() == []
    settings.DEBUG = True
    settings.SITE_URL_CONFIGURED = False
    assert check_site_url() == []


def test_site_url_is_read_from_the_environment_without_a_trailing_slash():
    code = "import django; django.setup()\nfrom django.conf import settings as s\nprint(s.SITE_URL)"
    result = _run(["-c", code], CPO_TESTING="true", SITE_URL="http://127.0.0.1:8102/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8102"


def test_deploy_check_warns_when_no_certificate_signing_key_is_configured():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="cpo.example.org",
    )
    assert result.returncode != 0
    assert "certification.W001" in result.stdout + result.stderr


@pytest.mark.parametrize("flag", ["DEBUG", "CPO_TESTING"])
def test_embedded_mode_starts_without_secrets(flag):
    values = _settings(**{flag: "true"})
    assert values["embedded"] is True


def test_embedded_default_is_sqlite_locmem_and_eager():
    values = _settings(CPO_TESTING="true")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["session_engine"] == "django.contrib.sessions.backends.db"
    assert values["broker"] == ""
    assert values["eager"] is True
    assert values["db_engine"] == "django.db.backends.sqlite3"
    assert Path(values["db_name"]) == BASE_DIR / "var" / "db.sqlite3"


def test_redis_url_switches_cache_sessions_and_broker_to_redis():
    url = "redis://redis.internal:6379/0"
    values = _settings(CPO_TESTING="true", REDIS_URL=url)
    assert values["cache"] == "django_redis.cache.RedisCache"
    # A Redis outage costs speed, never a request: django-redis skips (and logs) what fails.
    assert values["cache_ignores_outages"] is True
    assert values["cache_logs_outages"] is True
    # Same server, its own database: clearing the cache never touches the queue.
    assert values["cache_location"] == "redis://redis.internal:6379/1"
    # Sessions are kept in the database as well: a Redis outage signs nobody out.
    assert values["session_engine"] == "django.contrib.sessions.backends.cached_db"
    assert values["broker"] == url
    assert values["eager"] is False


def test_database_url_is_honoured():
    values = _settings(
        CPO_TESTING="true", DATABASE_URL="postgres://cpo:secret@db.internal:5432/cpo"
    )
    assert values["db_engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "cpo"


def test_production_has_secure_cookies_and_hsts():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.DEBUG, s.ACCOUNT_DEFAULT_HTTP_PROTOCOL)"
    )
    result = _run(["-c", code], SECRET_KEY=_secret(), ALLOWED_HOSTS="cpo.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "False", "https"]


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """`makemigrations --check` in the suite: a model changed without a migration fails CI."""
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
