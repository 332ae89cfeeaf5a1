"""Production settings refuse to start without a secret and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
UNSET = (
    "OPD_TESTING",
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(
        DJANGO_SETTINGS_MODULE="opd_site.settings",
        DEBUG="no",
        # With DEBUG off the delivery backends must be named (a console one only on purpose).
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SMS_BACKEND="scheduling.sms.ConsoleSMSBackend",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run(["-c", "import django; django.setup()"], production_env())

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_start_with_a_secret_key():
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50))

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode == 0, result.stderr


def test_settings_read_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = production_env(SECRET_KEY_FILE=str(key_file))

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode == 0, result.stderr


def test_deployment_checks_pass_with_production_settings():
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="opd.example")

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
