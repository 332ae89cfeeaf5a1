"""When the database does not answer, clients get 503 with Retry-After, never a bare 500."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.opd_site.failing_views")]

DATABASE_UNAVAILABLE = "opd_site.middleware.DatabaseUnavailableMiddleware"


@pytest.fixture
def client(settings):
    """The project's middleware with ``DatabaseUnavailableMiddleware`` right after the log."""
    middleware = [m for m in settings.MIDDLEWARE if m != DATABASE_UNAVAILABLE]
    position = middleware.index("opd_site.middleware.RequestLogMiddleware") + 1
    middleware.insert(position, DATABASE_UNAVAILABLE)
    middleware.append("tests.opd_site.failing_views.DatabaseGoneMiddleware")
    settings.MIDDLEWARE = middleware
    return Client(raise_request_exception=False)


def assert_database_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["error"]["code"] == "database_unavailable"
    assert body["error"]["message"]
    assert response["X-Request-ID"]


@pytest.mark.parametrize("path", ["/database-gone", "/connection-closed"])
def test_a_lost_database_connection_in_a_view_answers_503(client, path):
    assert_database_unavailable(client.get(path))


def test_a_database_failure_in_a_middleware_answers_503(client):
    assert_database_unavailable(client.get("/broken-middleware"))


def test_a_real_bug_is_still_a_500(client):
    assert client.get("/bug").status_code == 500


def test_the_503s_are_counted_for_alerting(client, monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret-0123456789")

    def unavailable_total() -> float:
        scraper = {"HTTP_AUTHORIZATION": "Bearer scrape-secret-0123456789"}
        text = client.get("/metrics", **scraper).content.decode()
        line = next(x for x in text.splitlines() if x.startswith("opd_database_unavailable_total"))
        return float(line.split()[-1])

    before = unavailable_total()
    client.get("/database-gone")
    client.get("/broken-middleware")

    assert unavailable_total() == before + 2
