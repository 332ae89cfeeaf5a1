"""The known development key signs nothing outside the test runner.

``DEBUG=yes`` development (``make run``) without a ``SECRET_KEY`` gets a random key made once for
the install and kept in a git-ignored file: sessions and API tokens survive a restart, and no
one can forge them with a key printed in the source.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = "insecure-development-key-not-for-production"
PRINT_KEYS = (
    "from django.conf import settings; "
    "print(settings.SECRET_KEY); print(settings.SIMPLE_JWT['SIGNING_KEY'])"
)

pytestmark = pytest.mark.slow


def development_env(key_file: Path, **overrides) -> dict[str, str]:
    """``make run``'s environment: DEBUG=yes, no key, not the test runner."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"OPD_TESTING", "SECRET_KEY", "SECRET_KEY_FILE", "JWT_SIGNING_KEY"}
        and not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="opd_site.settings", DEBUG="yes", DEV_SECRET_KEY_FILE=str(key_file)
    )
    env.update(overrides)
    return env


def keys(env) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_KEYS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    secret_key, signing_key = result.stdout.split()
    return secret_key, signing_key


def test_development_without_a_key_signs_with_a_key_of_its_own(tmp_path):
    key_file = tmp_path / ".dev-secret-key"

    secret_key, signing_key = keys(development_env(key_file))

    assert DEVELOPMENT_KEY not in (secret_key, signing_key)
    assert len(secret_key) >= 50
    assert signing_key == secret_key
    assert key_file.read_text().strip() == secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_development_key_survives_a_restart_and_differs_per_install(tmp_path):
    first_install = development_env(tmp_path / "one")

    assert keys(first_install) == keys(first_install)
    assert keys(first_install)[0] != keys(development_env(tmp_path / "two"))[0]


def test_a_key_from_the_environment_wins_in_development(tmp_path):
    key_file = tmp_path / ".dev-secret-key"

    secret_key, _ = keys(development_env(key_file, SECRET_KEY="k" * 50))

    assert secret_key == "k" * 50
    assert not key_file.exists()


def test_the_generated_key_file_is_ignored_by_git():
    assert ".dev-secret-key" in (ROOT / ".gitignore").read_text().splitlines()
