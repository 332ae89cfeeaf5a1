"""Someone holding a stolen access token cannot guess the password at ``auth/change-password``.

The endpoint is throttled per user, and every wrong current password counts as a failed sign-in
for that account and client address: five of them lock the pair out, at ``auth/login`` and here.
"""

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.fixtures.api import signed_in

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/change-password"
THIEF = "203.0.113.9"
NEW_PASSWORD = "a-new-long-passphrase-42"


def change(client, old_password: str, address: str = THIEF):
    return client.post(
        CHANGE,
        {"old_password": old_password, "new_password": NEW_PASSWORD},
        format="json",
        REMOTE_ADDR=address,
    )


def login(user, address: str = THIEF):
    return APIClient().post(
        "/api/v1/auth/login",
        {"email": user.email, "password": factories.PASSWORD},
        REMOTE_ADDR=address,
    )


def test_change_password_is_throttled_per_user(settings, patient_user):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "password": "3/min",
        },
    }
    client = signed_in(patient_user)

    answers = [change(client, f"guess-{n}", address=f"192.0.2.{n}").status_code for n in range(4)]

    assert answers == [400, 400, 400, 429]
    throttled = change(client, factories.PASSWORD)
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_five_wrong_current_passwords_lock_the_account_like_five_failed_sign_ins(patient_user):
    client = signed_in(patient_user)

    answers = [change(client, f"guess-{n}") for n in range(5)]

    assert [answer.status_code for answer in answers] == [400, 400, 400, 400, 429]
    assert answers[0].json()["error"]["details"] == {"old_password": ["Wrong password."]}
    assert answers[-1].json()["error"]["code"] == "locked_out"
    locked = login(patient_user)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


def test_a_locked_out_pair_cannot_change_the_password_even_with_the_right_one(patient_user):
    for _ in range(5):
        APIClient().post(
            "/api/v1/auth/login",
            {"email": patient_user.email, "password": "guess"},
            REMOTE_ADDR=THIEF,
        )

    response = change(signed_in(patient_user), factories.PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    patient_user.refresh_from_db()
    assert patient_user.check_password(factories.PASSWORD)


def test_the_owner_elsewhere_is_not_locked_out_and_may_change_the_password(patient_user):
    client = signed_in(patient_user)
    for n in range(5):
        change(client, f"guess-{n}")

    response = change(client, factories.PASSWORD, address="10.20.0.15")

    assert response.status_code == 200
    assert (
        APIClient()
        .post(
            "/api/v1/auth/login",
            {"email": patient_user.email, "password": NEW_PASSWORD},
            REMOTE_ADDR="10.20.0.15",
        )
        .status_code
        == 200
    )
