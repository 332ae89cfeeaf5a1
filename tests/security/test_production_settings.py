"""Production settings pass Django's deployment checks, and never fall back to a known key.

Each case starts ``manage.py`` in a fresh process with a production environment: no
``OPD_TESTING`` (which the test run itself sets), ``DEBUG`` off.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = "insecure-development-key-not-for-production"

pytestmark = pytest.mark.slow


def production_env(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"OPD_TESTING", "SECRET_KEY", "SECRET_KEY_FILE", "JWT_SIGNING_KEY", "DEBUG"}
        and not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="opd_site.settings",
        DEBUG="no",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="opd.hospital.example",
        CSRF_TRUSTED_ORIGINS="https://opd.hospital.example",
        # With DEBUG off the delivery backends must be named (a console one only on purpose).
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SMS_BACKEND="scheduling.sms.ConsoleSMSBackend",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_value(expression: str, env) -> str:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_deployment_checks_pass_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_site_refuses_to_start_without_a_secret_key():
    result = manage("check", env=production_env(SECRET_KEY=None))

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_development_key_is_never_used_with_debug_off(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = production_env(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))

    key = settings_value("settings.SECRET_KEY", env)
    signing_key = settings_value("settings.SIMPLE_JWT['SIGNING_KEY']", env)

    assert key == key_file.read_text().strip()
    assert signing_key == key
    assert DEVELOPMENT_KEY not in (key, signing_key)


def test_production_turns_on_https_only_cookies_and_hsts():
    env = production_env()

    assert (
        settings_value(
            "(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
            " settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS >= 31536000,"
            " settings.SECURE_PROXY_SSL_HEADER)",
            env,
        )
        == "(True, True, True, True, ('HTTP_X_FORWARDED_PROTO', 'https'))"
    )


def test_the_test_only_key_would_fail_the_deployment_check():
    # A server started with the test switch by mistake gets the known key; --deploy says so.
    env = production_env(SECRET_KEY=None, OPD_TESTING="yes")

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_an_unreadable_secret_file_stops_the_start(tmp_path):
    env = production_env(SECRET_KEY=None, SECRET_KEY_FILE=str(tmp_path / "missing"))

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY_FILE" in result.stderr
