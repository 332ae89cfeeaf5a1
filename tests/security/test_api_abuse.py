"""Guessing passwords gets an account locked; hammering the API gets 429 with Retry-After."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def login(client, email, password):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR="10.9.8.7")


def test_five_wrong_passwords_lock_the_api_login_even_for_the_right_one(patient_user):
    client = APIClient()
    for _ in range(4):
        assert login(client, patient_user.email, "guess").status_code == 401

    fifth = login(client, patient_user.email, "guess")
    right = login(client, patient_user.email, factories.PASSWORD)

    for response in (fifth, right):
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "locked_out"
    assert "access" not in right.json()


def test_the_lockout_is_per_account_other_patients_still_sign_in(patient_user):
    other = factories.UserFactory()
    client = APIClient()
    for _ in range(5):
        login(client, patient_user.email, "guess")

    assert login(client, other.email, factories.PASSWORD).status_code == 200


def test_guessing_unknown_accounts_never_errors():
    client = APIClient()
    for number in range(6):
        assert login(client, f"nobody{number}@opd.example", "guess").status_code == 401


def test_login_is_throttled_with_retry_after(settings, patient_user):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/min",
        },
    }
    client = APIClient()
    answers = [
        login(client, f"someone{number}@opd.example", "guess").status_code for number in range(4)
    ]

    assert answers == [401, 401, 401, 429]
    throttled = login(client, patient_user.email, factories.PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_token_requests_are_throttled_per_user(settings, patient_user, clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "tokens": "2/min",
        },
    }
    doctor = factories.DoctorFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient_user)}")
    body = {"doctor": doctor.id, "date": "2026-03-03", "source": "online"}

    answers = [client.post("/api/v1/tokens", body).status_code for _ in range(3)]

    assert answers[2] == 429
    assert 429 not in answers[:2]
