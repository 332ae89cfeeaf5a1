"""One error shape for everything, DRF's and Django's errors included; never a 500 for input."""

import json
import threading

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from opd_site import clock as opd_clock
from opd_site.api_errors import server_error
from scheduling.locking import doctor_day_locked
from scheduling.models import Token
from tests.fixtures.api import signed_in


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_an_unknown_api_path_is_a_json_404(db):
    assert_error(signed_in(None).get("/api/v1/no-such-thing"), 404, "not_found")


def test_an_id_too_long_for_the_database_is_a_404_not_a_crash(hospital):
    client = signed_in(hospital.receptionist)

    assert_error(client.get(f"/api/v1/tokens/{10**30}"), 404)
    assert_error(client.get(f"/api/v1/tokens/{2**63}"), 404)
    assert_error(client.get("/api/v1/tokens/999999999999999999"), 404, "not_found")


def test_a_method_the_endpoint_does_not_have_is_405(hospital):
    assert_error(
        signed_in(hospital.receptionist).delete("/api/v1/tokens"), 405, "method_not_allowed"
    )


def test_a_form_body_is_415(hospital):
    response = signed_in(hospital.patient_user).post(
        "/api/v1/tokens", {"doctor": 1}, format="multipart"
    )

    assert_error(response, 415, "unsupported_media_type")


def test_malformed_json_is_400(hospital):
    response = signed_in(hospital.patient_user).post(
        "/api/v1/tokens", data='{"doctor": 1,', content_type="application/json"
    )

    assert_error(response, 400, "malformed_request")


def test_a_json_body_that_is_not_an_object_is_400(hospital):
    response = signed_in(hospital.patient_user).post(
        "/api/v1/tokens", data="[1, 2]", content_type="application/json"
    )

    error = assert_error(response, 400, "invalid")
    assert "non_field_errors" in error["details"]


def test_text_with_a_lone_surrogate_is_refused_before_the_database(hospital):
    day = opd_clock.today().isoformat()
    doctor = hospital.doctor.id
    body = f'{{"doctor": {doctor}, "date": "{day}", "source": "online", "reason": "\\ud800"}}'

    response = signed_in(hospital.patient_user).post(
        "/api/v1/tokens", data=body, content_type="application/json"
    )

    assert_error(response, 400, "malformed_request")
    assert not Token.objects.exists()


def test_no_or_a_bad_access_token_is_401(db):
    assert_error(signed_in(None).get("/api/v1/tokens"), 401, "not_authenticated")
    client = signed_in(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    response = client.get("/api/v1/tokens")
    assert_error(response, 401, "token_not_valid")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_validation_errors_list_messages_per_field(hospital):
    response = signed_in(hospital.patient_user).post("/api/v1/tokens", {}, format="json")

    error = assert_error(response, 400, "invalid")
    assert set(error["details"]) == {"doctor", "date", "source"}
    assert all(isinstance(messages, list) for messages in error["details"].values())


def test_django_500_pages_under_the_api_are_json():
    response = server_error(RequestFactory().get("/api/v1/tokens"))

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_non_api_pages_keep_django_error_pages(db):
    response = signed_in(None).get("/definitely-not-a-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_busy_doctor_day_answers_503_with_retry_after(hospital):
    """A real lock held by another connection turns into 503 after the lock timeout."""
    locked, release = threading.Event(), threading.Event()

    def hold_the_day():
        from django.db import connection

        try:
            with doctor_day_locked(doctor_id=hospital.doctor.id, day=opd_clock.today()):
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_day)
    holder.start()
    locked.wait(10)
    try:
        with override_settings(OPD={**settings.OPD, "LOCK_TIMEOUT_MS": 200}):
            response = signed_in(hospital.patient_user).post(
                "/api/v1/tokens",
                {
                    "doctor": hospital.doctor.id,
                    "date": opd_clock.today().isoformat(),
                    "source": "online",
                },
                format="json",
            )
    finally:
        release.set()
        holder.join()

    assert_error(response, 503, "busy")
    assert response["Retry-After"] == "1"
    assert not Token.objects.exists()
