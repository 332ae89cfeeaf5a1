"""The engine's metrics: allocations by outcome, doctor-day lock waits, and the day's state.

Counters and histograms are written like every other process metric (``opd_site.metrics``).
Gauges of the day (waiting-list length, tokens by status, notification backlog) are not kept in
the process at all: ``DayStateCollector`` reads them from the database when Prometheus scrapes,
with a few bounded aggregate queries, so every worker reports the same truth.
``SchedulingConfig.ready()`` registers it.
"""

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError
from django.db.models import Count
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from opd_site import clock
from opd_site.errors import DomainError
from scheduling.models import Notification, Token, WaitingEntry

logger = logging.getLogger("opd.metrics")
# Bounded label values: one series per doctor at most, and no more doctors than this.
MAX_DOCTORS_REPORTED = 500

ALLOCATIONS = Counter(
    "opd_allocations_total",
    "Token requests by outcome (direct, bumped, moved, waitlisted, ... or the refusal's code) "
    "and source.",
    ["outcome", "source"],
)
LOCK_WAIT = Histogram(
    "opd_lock_wait_seconds",
    "Time spent waiting for a doctor-day lock.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)


def observe_allocation(outcome: str, source: str) -> None:
    """One token request answered: how it was seated (or the refusal's code) and its source."""
    ALLOCATIONS.labels(outcome=str(outcome), source=str(source)).inc()


def observe_lock_wait(seconds: float) -> None:
    """Time one doctor-day lock took to acquire."""
    LOCK_WAIT.observe(max(seconds, 0.0))


def timed_lock_wait(function: Callable) -> Callable:
    """Decorate the lock acquisition: its duration, success or failure, goes to the histogram."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            observe_lock_wait(time.perf_counter() - started)

    return wrapper


@contextmanager
def lock_wait_timer() -> Iterator[None]:
    """The same as ``timed_lock_wait`` for a block of code."""
    started = time.perf_counter()
    try:
        yield
    finally:
        observe_lock_wait(time.perf_counter() - started)


def observed_allocation(function: Callable) -> Callable:
    """Decorate ``request_token``: count each answer by outcome and source, refusals by code.

    The count is taken after the service returned, that is after its transaction committed.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        source = kwargs.get("source", "unknown")
        try:
            allocation = function(*args, **kwargs)
        except DomainError as exc:
            observe_allocation(exc.code, source)
            raise
        observe_allocation(allocation.outcome, source)
        return allocation

    return wrapper


class DayStateCollector(Collector):
    """Today's waiting lists, tokens by status and the notification backlog, read at scrape time."""

    def describe(self):
        # Registration must not query the database; the families are named here instead.
        return [
            GaugeMetricFamily("opd_waiting_list_length", "", labels=["doctor"]),
            GaugeMetricFamily("opd_tokens_today", "", labels=["status"]),
            GaugeMetricFamily("opd_notifications_backlog", "", labels=["status"]),
            GaugeMetricFamily("opd_metrics_database_up", ""),
        ]

    def collect(self):
        up = GaugeMetricFamily(
            "opd_metrics_database_up", "1 when the scrape could read the day's state."
        )
        try:
            families = self._read_day_state()
        except DatabaseError:
            logger.warning("metrics scrape could not read the database", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        yield from families
        up.add_metric([], 1)
        yield up

    @staticmethod
    def _read_day_state() -> list[GaugeMetricFamily]:
        today = clock.today()
        waiting = GaugeMetricFamily(
            "opd_waiting_list_length",
            "Patients waiting for a seat today, per doctor (by token prefix).",
            labels=["doctor"],
        )
        rows = (
            WaitingEntry.objects.filter(doctor_day__date=today, status=WaitingEntry.Status.WAITING)
            .values("doctor_day__doctor__token_prefix")
            .annotate(length=Count("id"))
            .order_by("doctor_day__doctor__token_prefix")[:MAX_DOCTORS_REPORTED]
        )
        for row in rows:
            waiting.add_metric([row["doctor_day__doctor__token_prefix"]], row["length"])

        tokens = GaugeMetricFamily(
            "opd_tokens_today", "Today's tokens by status.", labels=["status"]
        )
        counts = dict(
            Token.objects.filter(doctor_day__date=today)
            .values_list("status")
            .annotate(count=Count("id"))
            .order_by()
        )
        for status in Token._meta.get_field("status").choices:
            tokens.add_metric([status[0]], counts.get(status[0], 0))

        backlog = GaugeMetricFamily(
            "opd_notifications_backlog",
            "Outbox notifications not delivered yet: pending, claimed by a sender (sending; "
            "still there after the lease: the sender died), or given up (failed).",
            labels=["status"],
        )
        undelivered = (
            Notification.Status.PENDING,
            Notification.Status.SENDING,
            Notification.Status.FAILED,
        )
        outbox = dict(
            Notification.objects.filter(status__in=undelivered)
            .values_list("status")
            .annotate(count=Count("id"))
            .order_by()
        )
        for status in undelivered:
            backlog.add_metric([status.value], outbox.get(status, 0))
        return [waiting, tokens, backlog]
