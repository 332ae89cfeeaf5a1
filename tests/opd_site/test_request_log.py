"""Each request leaves one log line with its id; failures are traceable by that id."""

import io
import json
import logging

import pytest
from django.test import Client

from opd_site.logging import JsonFormatter

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.opd_site.failing_views")]


@pytest.fixture
def json_log():
    """Everything logged during the test, as the JSON lines production writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "opd.request"]


def test_each_request_logs_one_structured_line_with_the_id_it_answers_with(client, json_log):
    response = client.get("/healthz")

    [line] = access_lines(json_log())
    assert line["request_id"] == response["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user"] is None


def test_a_plain_request_id_from_the_proxy_is_kept(client, json_log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-4f2a9c")

    assert response["X-Request-ID"] == "nginx-4f2a9c"
    assert access_lines(json_log())[0]["request_id"] == "nginx-4f2a9c"


@pytest.mark.parametrize("supplied", ["evil\nforged log line", "x" * 200, "a b"])
def test_a_request_id_that_could_forge_log_lines_is_replaced(client, supplied):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=supplied)

    assert response["X-Request-ID"] != supplied
    assert len(response["X-Request-ID"]) == 32


def test_a_crash_is_logged_with_the_request_id_on_every_line(json_log):
    client = Client(raise_request_exception=False)

    response = client.get("/bug")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    lines = json_log()
    [access] = access_lines(lines)
    assert access["level"] == "ERROR"
    assert access["status"] == 500
    assert access["exception"] == "ZeroDivisionError"
    traceback = [line for line in lines if line["logger"] == "django.request"]
    assert traceback, "Django logs the traceback"
    assert all(line["request_id"] == request_id for line in traceback)
    assert "ZeroDivisionError" in traceback[0]["exception"]


def test_lines_logged_outside_a_request_carry_no_request_id(client, json_log):
    client.get("/healthz")
    logging.getLogger("opd.test").warning("after the request")

    [line] = [line for line in json_log() if line["logger"] == "opd.test"]
    assert "request_id" not in line


def test_slow_requests_are_logged_again_as_warnings(client, settings, json_log):
    settings.SLOW_REQUEST_MS = 0

    client.get("/healthz")

    [slow] = [line for line in json_log() if line["logger"] == "opd.slow"]
    assert slow["level"] == "WARNING"
    assert slow["path"] == "/healthz"
