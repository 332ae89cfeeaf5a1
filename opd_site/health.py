"""Liveness and readiness: is the process up, does the database answer."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure to answer means "down"
        return False
    return True


@require_GET
def healthz(request):
    if database_answers():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
