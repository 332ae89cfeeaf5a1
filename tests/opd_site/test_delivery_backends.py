"""With DEBUG off the site refuses to start on a console e-mail or SMS backend it was not told to
use: a console backend marks every notification sent while no patient is told anything.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
CONSOLE_SMS = "scheduling.sms.ConsoleSMSBackend"
PRINT_BACKENDS = (
    "from django.conf import settings; print(settings.EMAIL_BACKEND); print(settings.SMS_BACKEND)"
)

pytestmark = pytest.mark.slow


def production_env(**backends: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"OPD_TESTING", "DEBUG", "EMAIL_BACKEND", "SMS_BACKEND"}
        and not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="opd_site.settings",
        DEBUG="no",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="opd.hospital.example",
    )
    env.update({name: value for name, value in backends.items() if value is not None})
    return env


def start(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_BACKENDS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_an_email_backend_the_site_refuses_to_start():
    result = start(production_env(SMS_BACKEND=CONSOLE_SMS))

    assert result.returncode != 0
    assert "EMAIL_BACKEND must be set when DEBUG is off" in result.stderr


def test_without_an_sms_backend_the_site_refuses_to_start():
    result = start(production_env(EMAIL_BACKEND=SMTP))

    assert result.returncode != 0
    assert "SMS_BACKEND must be set when DEBUG is off" in result.stderr


def test_named_backends_start_and_are_used():
    result = start(production_env(EMAIL_BACKEND=SMTP, SMS_BACKEND="tests.sms.Gateway"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [SMTP, "tests.sms.Gateway"]


def test_a_console_backend_chosen_on_purpose_is_accepted():
    result = start(production_env(EMAIL_BACKEND=CONSOLE_EMAIL, SMS_BACKEND=CONSOLE_SMS))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [CONSOLE_EMAIL, CONSOLE_SMS]
