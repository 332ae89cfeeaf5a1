"""Prometheus metrics: request latency and database outages, and the endpoint that serves them.

Counters and histograms live in the process that observed them. Under gunicorn the workers
write them to files in ``PROMETHEUS_MULTIPROC_DIR`` (gunicorn.conf.py makes that directory and
empties it at start), so that one scrape sums every worker, dead ones included. Without it
(runserver, tests) the process's own registry is served.

The engine's own metrics (allocations, lock waits, the day's state read at scrape time) live in
``scheduling.metrics``; an app hands its scrape-time collectors to
``register_state_collector`` from its ``AppConfig.ready()``, so this module imports no app.
"""

import hmac
import logging
import os

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector

from opd_site.env import envsecret
from opd_site.errors import error_body

logger = logging.getLogger("opd.metrics")
# The "_created" timestamp series double the output and no dashboard here reads them.
disable_created_metrics()

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_LATENCY = Histogram(
    "opd_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DATABASE_UNAVAILABLE = Counter(
    "opd_database_unavailable_total",
    "Requests answered 503 because the database did not answer.",
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """One finished request; ``route`` is the URL pattern, never the raw path (bounded labels)."""
    method = method if method in KNOWN_METHODS else "OTHER"
    REQUEST_LATENCY.labels(method=method, route=route, status=str(status)).observe(seconds)


def observe_database_unavailable() -> None:
    DATABASE_UNAVAILABLE.inc()


_state_collectors: list[Collector] = []


def register_state_collector(collector: Collector) -> None:
    """Read ``collector`` at every scrape, beside the processes' metrics (apps call this from
    ``AppConfig.ready()``, so this module knows no app)."""
    if collector not in _state_collectors:
        _state_collectors.append(collector)


def exposition() -> bytes:
    """The text exposition of every metric: this process's (or all workers') and the day's."""
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
        process_metrics = generate_latest(registry)
    else:
        process_metrics = generate_latest(REGISTRY)
    state_registry = CollectorRegistry()
    for collector in _state_collectors:
        state_registry.register(collector)
    return process_metrics + generate_latest(state_registry)


def _authorised(request, expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        return False
    return hmac.compare_digest(supplied.strip().encode(), expected.encode())


@require_GET
def metrics_view(request):
    """Prometheus text exposition for the holder of ``METRICS_TOKEN``.

    Without a token configured the endpoint does not exist (404), except in development
    (``DEBUG``), where it answers anyone.
    """
    expected = envsecret("METRICS_TOKEN")
    if not expected:
        if settings.DEBUG:
            return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        return JsonResponse(
            error_body("not_found", "Metrics are off: set METRICS_TOKEN to serve them."),
            status=404,
        )
    if not _authorised(request, expected):
        response = JsonResponse(
            error_body("not_authenticated", "A valid metrics bearer token is required."),
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
