"""``/metrics`` is closed to the public: only a scraper holding ``METRICS_TOKEN`` reads it.

With ``DEBUG`` off and no token configured the endpoint does not exist (404, the API's error
shape); in development (``DEBUG``) it stays open. The compose stack publishes gunicorn's port on
the loopback interface only, so the scraper goes through nginx and its rules.
"""

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-secret-0123456789"


@pytest.fixture
def no_token(monkeypatch):
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.delenv("METRICS_TOKEN_FILE", raising=False)


def test_without_a_token_configured_metrics_are_not_served(client, no_token, settings):
    settings.DEBUG = False

    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer anything"}):
        response = client.get("/metrics", **headers)

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert b"opd_" not in response.content


def test_in_development_metrics_are_open_without_a_token(client, no_token, settings):
    settings.DEBUG = True

    response = client.get("/metrics")

    assert response.status_code == 200
    assert b"opd_http_request_duration_seconds" in response.content


def test_with_a_token_only_its_holder_reads_them(client, monkeypatch, settings):
    settings.DEBUG = True  # a token closes the endpoint in development too
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)

    stranger = client.get("/metrics")
    scraper = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert stranger.status_code == 401
    assert stranger.json()["error"]["code"] == "not_authenticated"
    assert scraper.status_code == 200
    assert b"opd_http_request_duration_seconds" in scraper.content


def test_a_token_file_is_read_too(client, monkeypatch, tmp_path):
    token_file = tmp_path / "metrics_token"
    token_file.write_text(TOKEN + "\n")
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(token_file))

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_compose_publishes_the_web_port_on_the_loopback_interface_only():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    published = [
        str(port) for service in compose["services"].values() for port in service.get("ports", [])
    ]

    assert published, "the web service should still be reachable from nginx on this host"
    for port in published:
        assert port.startswith("127.0.0.1:"), f"{port} is published on every interface"
