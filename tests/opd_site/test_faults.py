"""Faults a hospital will meet: a worker killed mid-booking, the database going away mid-load.

Each test runs the project's real gunicorn on a loopback port against a private PostgreSQL
database (``<suite database>_faults``), drives it over HTTP with concurrent clients holding JWTs
from ``/api/v1/auth/login``, injects the fault, and then reads the database to prove that no
booking was lost, none was duplicated and every invariant of the allocation policy holds.
Run with ``-s`` to see the figures.
"""

import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.opd_site.fault_harness import (
    READ_DAY,
    SEED_DAY,
    Attempt,
    CuttableProxy,
    FaultDatabase,
    Gunicorn,
    book,
    is_error_shape,
    login,
    run_script,
    scrape_metrics,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]

CLIENTS = 8
PACE_SECONDS = 0.3
OUTAGE_SECONDS = 3.0
BOOKED = {201, 202}


class Progress:
    """How many requests have finished, counted safely across client threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.finished = 0

    def tick(self) -> None:
        with self._lock:
            self.finished += 1


@pytest.fixture(scope="module")
def fault_db():
    database = FaultDatabase.beside(os.environ["DATABASE_URL"])
    database.create()
    yield database
    database.drop()


def seed(database: FaultDatabase, tag: str, *, doctors: int, patients: int) -> dict:
    return run_script(
        SEED_DAY,
        database_url=database.url,
        tag=tag,
        doctors=doctors,
        patients=patients,
        slots=8,
        capacity=10,
    )


def read_day(database: FaultDatabase, seeded: dict) -> dict:
    return run_script(
        READ_DAY, database_url=database.url, doctors=seeded["doctors"], date=seeded["date"]
    )


def jobs_for(seeded: dict) -> list[Attempt]:
    """Every patient books once with every doctor, interleaved so doctors are hit in parallel."""
    return [
        Attempt(email=p["email"], patient=p["patient"], doctor=d, key=str(uuid.uuid4()))
        for p in seeded["patients"]
        for d in seeded["doctors"]
    ]


def sign_in_everyone(base: str, seeded: dict) -> dict[str, str]:
    emails = [p["email"] for p in seeded["patients"]]
    with ThreadPoolExecutor(CLIENTS) as pool:
        return dict(zip(emails, pool.map(lambda e: login(base, e), emails), strict=True))


def retry(base: str, failed: list[Attempt], access: dict, date: str) -> list[Attempt]:
    """Clients retry what failed with the same Idempotency-Key, as the API contract tells them."""
    again = [Attempt(a.email, a.patient, a.doctor, a.key) for a in failed]
    for attempt in again:
        book(base, attempt, access=access[attempt.email], date=date)
    return again


def booked_row(attempt: Attempt) -> tuple[str, int] | None:
    """The token or waiting entry an answer names (a 409 already_booked names the first one)."""
    if attempt.status == 201:
        return ("token", attempt.body["id"])
    if attempt.status == 202:
        return ("waiting", attempt.body["waiting"]["id"])
    if attempt.status == 409 and attempt.body.get("error", {}).get("code") == "already_booked":
        details = attempt.body["error"]["details"]
        return (
            ("token", details["token"]) if "token" in details else ("waiting", details["waiting"])
        )
    return None


def assert_nothing_lost_or_doubled(attempts: list[Attempt], retries: list[Attempt], state: dict):
    """Every answer names exactly one stored row; every request ends with exactly one row."""
    rows = {("token", t["id"]): t for t in state["tokens"]}
    rows |= {("waiting", w["id"]): w for w in state["waiting"]}
    for attempt in attempts + retries:
        named = booked_row(attempt)
        if named is None:
            continue
        assert named in rows, f"answered {attempt.status} for a row that is not stored: {named}"
        row = rows[named]
        assert (row["patient"], row["doctor"]) == (attempt.patient, attempt.doctor)
    assert state["doubled"] == [], "a patient holds two active tokens for one doctor-day"
    per_request = Counter((t["patient"], t["doctor"]) for t in state["tokens"])
    per_request.update(
        (w["patient"], w["doctor"]) for w in state["waiting"] if w["status"] == "waiting"
    )
    requested = {(a.patient, a.doctor) for a in attempts}
    assert set(per_request) <= requested, "a row nobody asked for"
    lost = sorted(requested - set(per_request))
    assert lost == [], f"requests that ended with no token and no waiting entry: {lost}"
    assert all(count == 1 for count in per_request.values()), "duplicated booking"
    assert state["tokens_without_creation_event"] == 0, "a token without the event that made it"
    assert state["invariants"] == []


def token_requests_observed(metrics_text: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if (
                sample.name == "opd_http_request_duration_seconds_count"
                and sample.labels.get("method") == "POST"
                and sample.labels.get("route") == "/api/v1/tokens"
            ):
                total += sample.value
    return total


def test_killing_a_worker_mid_load_loses_and_doubles_nothing(fault_db):
    seeded = seed(fault_db, "K", doctors=4, patients=24)
    server = Gunicorn(database_url=fault_db.url, workers=3).start()
    try:
        access = sign_in_everyone(server.base, seeded)
        attempts = jobs_for(seeded)
        progress = Progress()
        kills: list[dict] = []

        def run(attempt: Attempt) -> Attempt:
            book(server.base, attempt, access=access[attempt.email], date=seeded["date"])
            progress.tick()
            return attempt

        def killer() -> None:
            for fraction in (0.2, 0.45, 0.7):
                while progress.finished < fraction * len(attempts):
                    time.sleep(0.002)
                victim = server.kill_worker()
                kills.append(
                    {"pid": victim, "at": progress.finished, "respawn_s": server.wait_for_workers()}
                )

        started = time.monotonic()
        assassin = threading.Thread(target=killer, daemon=True)
        assassin.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            attempts = list(pool.map(run, attempts))
        assassin.join(timeout=30)
        load_seconds = time.monotonic() - started

        failed = [a for a in attempts if a.status not in BOOKED]
        retries = retry(server.base, failed, access, seeded["date"])
        metrics_text = scrape_metrics(server.base)
        after_pids = server.worker_pids()
    finally:
        server.stop()
    state = read_day(fault_db, seeded)

    outcomes = Counter(a.outcome for a in attempts)
    retry_outcomes = Counter(("replayed " if a.replayed else "") + a.outcome for a in retries)
    committed_unanswered = sum(
        1
        for a in failed
        if any((t["patient"], t["doctor"]) == (a.patient, a.doctor) for t in state["tokens"])
        and not any(r.key == a.key and r.status == 201 and not r.replayed for r in retries)
    )
    respawns = ", ".join(f"{kill['respawn_s']:.2f}s" for kill in kills)
    print(
        f"\n[kill -9] {len(attempts)} booking requests from {CLIENTS} clients"
        f" in {load_seconds:.1f}s;"
        f" workers killed: {len(kills)} after {[kill['at'] for kill in kills]} answers"
        f" (respawned in {respawns});"
        f" first answers: {dict(outcomes)}; failed cleanly: {len(failed)}"
        f" (committed but unanswered: {committed_unanswered});"
        f" retries with the same Idempotency-Key: {dict(retry_outcomes)};"
        f" tokens stored: {len(state['tokens'])}, waiting: {len(state['waiting'])};"
        f" lost: 0, duplicated: 0; invariants violated: {len(state['invariants'])}"
    )

    assert len(kills) == 3
    assert len(after_pids) == 3 and not {k["pid"] for k in kills} & set(after_pids)
    for attempt in attempts:
        # Succeeded, or failed cleanly: no answer at all, or a 5xx in the error shape.
        assert (
            attempt.status in BOOKED
            or attempt.status is None
            or (attempt.status >= 500 and is_error_shape(attempt.body))
        ), (attempt.status, attempt.body)
    for attempt in retries:
        assert attempt.status in BOOKED or booked_row(attempt) is not None, (
            attempt.status,
            attempt.body,
        )
    assert_nothing_lost_or_doubled(attempts, retries, state)
    # Every answer the clients got was counted by a worker (plus at most one per killed worker).
    answered = sum(1 for a in attempts + retries if a.status is not None)
    observed = token_requests_observed(metrics_text)
    assert answered <= observed <= answered + len(kills)


def test_database_outage_answers_503_and_recovers_with_nothing_half_written(fault_db):
    assert "opd_site.middleware.DatabaseUnavailableMiddleware" in settings.MIDDLEWARE, (
        "add DatabaseUnavailableMiddleware to MIDDLEWARE, right after RequestLogMiddleware"
    )
    seeded = seed(fault_db, "P", doctors=4, patients=32)
    proxy = CuttableProxy(upstream_host=fault_db.host, upstream_port=fault_db.port).start()
    server = Gunicorn(database_url=fault_db.url_through(proxy.port), workers=3)
    try:
        server.start()
        access = sign_in_everyone(server.base, seeded)
        attempts = jobs_for(seeded)
        window: dict[str, float] = {}
        probes: list[tuple[str, int, dict]] = []

        def run(attempt: Attempt) -> Attempt:
            book(server.base, attempt, access=access[attempt.email], date=seeded["date"])
            time.sleep(PACE_SECONDS)  # a steady stream, so the load spans the whole outage
            return attempt

        def outage(load_started: float) -> None:
            time.sleep(max(0.0, load_started + 1.5 - time.monotonic()))
            proxy.cut()
            window["cut"] = time.monotonic()
            time.sleep(0.5)
            for path in ("/healthz", "/readyz"):
                response = requests.get(f"{server.base}{path}", timeout=10)
                probes.append((path, response.status_code, response.json()))
            time.sleep(max(0.0, window["cut"] + OUTAGE_SECONDS - time.monotonic()))
            proxy.restore()
            window["restored"] = time.monotonic()

        cutter = threading.Thread(target=outage, args=(time.monotonic(),), daemon=True)
        cutter.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            attempts = list(pool.map(run, attempts))
        cutter.join(timeout=30)

        failed = [a for a in attempts if a.status not in BOOKED]
        time.sleep(0.5)
        retries = retry(server.base, failed, access, seeded["date"])
        ready_after = requests.get(f"{server.base}/readyz", timeout=10).status_code
        refused = proxy.refused
    finally:
        server.stop()
        proxy.stop()
    state = read_day(fault_db, seeded)

    during = [
        a for a in attempts if a.started > window["cut"] + 0.05 and a.ended < window["restored"]
    ]
    after = [a for a in attempts if a.started > window["restored"] + 1.0]
    outcomes = Counter(a.outcome for a in attempts)
    print(
        f"\n[database outage] {len(attempts)} booking requests from {CLIENTS} clients; database cut"
        f" for {window['restored'] - window['cut']:.1f}s ({refused} connections refused);"
        f" first answers: {dict(outcomes)}; during the outage: "
        f"{dict(Counter(a.outcome for a in during))}; after it: "
        f"{dict(Counter(a.outcome for a in after))}; health during it: {probes};"
        f" retried {len(retries)}: {dict(Counter(a.outcome for a in retries))};"
        f" tokens stored: {len(state['tokens'])}, waiting: {len(state['waiting'])};"
        f" lost: 0, duplicated: 0; invariants violated: {len(state['invariants'])}"
    )

    assert during, "no request fell inside the outage: the load was too short"
    for attempt in during:
        assert attempt.status == 503, (attempt.status, attempt.body)
        assert attempt.body["error"]["code"] == "database_unavailable"
        assert attempt.retry_after is not None
    for attempt in attempts:
        assert attempt.status in BOOKED or attempt.status == 503, (attempt.status, attempt.body)
    assert all(attempt.status in BOOKED for attempt in after), "full service after the outage"
    assert [(path, status) for path, status, _ in probes] == [("/healthz", 503), ("/readyz", 503)]
    assert ready_after == 200
    for attempt in retries:
        assert attempt.status in BOOKED or booked_row(attempt) is not None, (
            attempt.status,
            attempt.body,
        )
    assert_nothing_lost_or_doubled(attempts, retries, state)
