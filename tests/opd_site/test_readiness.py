"""``/readyz``: ready only when the database answers and every migration is applied."""

import pytest
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_ready_when_the_database_is_migrated(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


def test_not_ready_while_a_migration_is_pending(client):
    # As after deploying code whose migration has not been run yet.
    latest = MigrationRecorder.Migration.objects.filter(app="scheduling").latest("id")
    latest.delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["migrations"] == "pending"
    assert f"scheduling.{latest.name}" in body["pending"]
    assert client.get("/healthz").status_code == 200, "alive, just not ready"


def test_readiness_needs_no_login_and_only_answers_get(client):
    assert client.get("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405
