"""``/metrics`` tells an operator how fast requests are, what bookings get, and who is waiting."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scheduling.errors import AlreadyBooked
from scheduling.models import WaitingEntry
from scheduling.services.requests import request_token
from tests import factories
from tests.fixtures.ops import OPS_HOURS
from tests.scheduling.helpers import make_day

pytestmark = pytest.mark.django_db

METRICS_TOKEN = "scrape-secret-0123456789"
SCRAPER = {"HTTP_AUTHORIZATION": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture(autouse=True)
def metrics_token(monkeypatch):
    """With DEBUG off /metrics answers only the holder of METRICS_TOKEN."""
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)


def scrape(client, **headers) -> dict[tuple, float]:
    """Every sample of ``/metrics`` as {(name, sorted label pairs): value}."""
    response = client.get("/metrics", **(headers or SCRAPER))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_latency_is_recorded_per_route_method_and_status(client):
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    before = value(scrape(client), "opd_http_request_duration_seconds_count", **labels)

    client.get("/healthz")
    client.get("/healthz")

    after = scrape(client)
    assert value(after, "opd_http_request_duration_seconds_count", **labels) == before + 2
    assert value(after, "opd_http_request_duration_seconds_sum", **labels) > 0


def test_routes_are_url_patterns_so_random_paths_do_not_create_series(client, admin_user):
    client.force_login(admin_user)
    client.get("/no-such-page-1")
    client.get("/no-such-page-2")
    client.get("/admin/scheduling/token/1/change/")
    client.get("/admin/scheduling/token/2/change/")

    routes = {dict(labels).get("route") for (name, labels) in scrape(client)}
    assert "<unmatched>" in routes
    assert not any("no-such-page" in str(route) for route in routes)
    assert "/admin/scheduling/token/<path:object_id>/change/" in routes
    assert not any("/token/1/" in str(route) for route in routes)


def test_metrics_need_the_bearer_token_when_one_is_configured(client):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert scrape(client, HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")


def test_waiting_list_length_is_read_from_the_database_at_scrape_time(client, clock):
    day = make_day(on=clock.at.date(), hours=OPS_HOURS)
    prefix = day.doctor.token_prefix
    for _ in range(3):
        factories.WaitingEntryFactory(doctor_day=day.doctor_day)
    factories.WaitingEntryFactory(doctor_day=day.doctor_day, status=WaitingEntry.Status.CANCELLED)
    factories.TokenFactory(slot=day.slots[0])

    samples = scrape(client)

    assert value(samples, "opd_waiting_list_length", doctor=prefix) == 3
    assert value(samples, "opd_tokens_today", status="booked") == 1
    assert value(samples, "opd_metrics_database_up") == 1


def test_allocations_are_counted_by_outcome_and_source_and_refusals_by_code(client, clock):
    day = make_day(on=clock.at.date(), hours=OPS_HOURS)
    patient = factories.PatientFactory()
    before = scrape(client)

    request_token(doctor=day.doctor, day=day.date, source="walk_in", patient=patient)
    with pytest.raises(AlreadyBooked):
        request_token(doctor=day.doctor, day=day.date, source="walk_in", patient=patient)

    after = scrape(client)
    for outcome in ("direct", "already_booked"):
        labels = {"outcome": outcome, "source": "walk_in"}
        assert value(after, "opd_allocations_total", **labels) == (
            value(before, "opd_allocations_total", **labels) + 1
        )


def test_lock_waits_are_timed_around_the_doctor_day_lock(client, clock):
    day = make_day(on=clock.at.date(), hours=OPS_HOURS)
    before = value(scrape(client), "opd_lock_wait_seconds_count")

    request_token(
        doctor=day.doctor, day=day.date, source="walk_in", patient=factories.PatientFactory()
    )

    assert value(scrape(client), "opd_lock_wait_seconds_count") == before + 1
