"""``DATABASE_POOLER=pgbouncer``: the database settings that survive transaction pooling."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
POOLED_URL = "postgres://opd@127.0.0.1:6432/opd"
READ = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "'options': d.get('OPTIONS', {})}))"
)


def database_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_POOLER", "DATABASE_PREPARED_STATEMENTS")
    }
    environment.update(DJANGO_SETTINGS_MODULE="opd_site.settings", OPD_TESTING="yes", **env)
    return subprocess.run(
        [sys.executable, "-c", READ],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read(**env: str) -> dict:
    result = database_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_pooler_statements_are_prepared_and_cursors_kept_on_the_server():
    stored = read(DATABASE_URL=POOLED_URL)

    assert stored["cursors_off"] is False
    assert stored["options"]["server_side_binding"] is True
    assert stored["options"]["prepare_threshold"] == 5


def test_behind_pgbouncer_server_side_cursors_and_prepared_statements_are_off():
    stored = read(DATABASE_URL=POOLED_URL, DATABASE_POOLER="pgbouncer")

    assert stored["cursors_off"] is True
    assert "server_side_binding" not in stored["options"]
    assert "prepare_threshold" not in stored["options"]


def test_a_pooler_that_keeps_prepared_statements_may_have_them_back():
    stored = read(
        DATABASE_URL=POOLED_URL, DATABASE_POOLER="pgbouncer", DATABASE_PREPARED_STATEMENTS="yes"
    )

    assert stored["cursors_off"] is True
    assert stored["options"]["server_side_binding"] is True


def test_an_unknown_pooler_stops_the_start_with_a_clear_message():
    result = database_settings(DATABASE_URL=POOLED_URL, DATABASE_POOLER="pgpool")

    assert result.returncode != 0
    assert "DATABASE_POOLER must be pgbouncer or none" in result.stderr
