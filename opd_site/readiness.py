"""Readiness: send traffic here only when the database answers and every migration is applied.

``/healthz`` says the process is alive; ``/readyz`` says it can serve. A new release whose
migrations have not run yet, or a database restored from an older backup, is alive but not
ready: the load balancer (or ``docker compose`` health check) keeps it out of rotation.
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from opd_site.health import database_answers


def pending_migrations() -> list[str]:
    """``app.migration`` names that the code has and the database has not applied."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@require_GET
def readyz(request):
    if not database_answers():
        return JsonResponse(
            {"status": "error", "database": "unavailable", "migrations": "unknown"}, status=503
        )
    try:
        pending = pending_migrations()
    except DatabaseError:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "migrations": "unknown"}, status=503
        )
    if pending:
        return JsonResponse(
            {"status": "error", "database": "ok", "migrations": "pending", "pending": pending},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "migrations": "ok"})
