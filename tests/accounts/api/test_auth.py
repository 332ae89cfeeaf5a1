"""Sign-up, sign-in with lockout, JWT rotation and logout, profile and password changes."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client, override_settings

from accounts.models import Patient, Role, User
from tests import factories
from tests.fixtures.api import patient_account, signed_in

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/auth/profile"
CHANGE_PASSWORD = "/api/v1/auth/change-password"

pytestmark = pytest.mark.django_db


def register(client=None, **fields):
    body = {
        "name": "Asha Rao",
        "email": "asha@example.com",
        "password": "a long passphrase",
        "phone": "+919800000001",
        **fields,
    }
    return (client or signed_in(None)).post(REGISTER, body, format="json")


def login(email, password, client=None, **extra):
    return (client or signed_in(None)).post(
        LOGIN, {"email": email, "password": password}, format="json", **extra
    )


def test_register_creates_a_patient_account_with_a_linked_record_and_signs_in():
    response = register()

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "asha@example.com"
    assert body["user"]["role"] == "patient"
    patient = Patient.objects.get(user__email="asha@example.com")
    assert body["user"]["patient"] == patient.id
    assert patient.name == "Asha Rao"
    client = signed_in(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert client.get(PROFILE).json()["email"] == "asha@example.com"


def test_register_refuses_a_weak_password_with_the_validators_messages():
    response = register(password="12345678")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(
        "common" in message or "numeric" in message for message in error["details"]["password"]
    )
    assert not User.objects.filter(email="asha@example.com").exists()


def test_register_refuses_an_address_already_in_use_whatever_its_case():
    register()

    response = register(email="ASHA@example.com")

    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]


def test_register_requires_name_email_and_password():
    response = signed_in(None).post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"name", "email", "password"}


def test_login_answers_the_user_and_a_token_pair():
    user = patient_account(email="ravi@example.com")

    response = login("Ravi@Example.com", factories.PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == user.id
    assert body["access"] and body["refresh"]


def test_login_with_a_wrong_password_is_401_invalid_credentials():
    patient_account(email="ravi@example.com")

    response = login("ravi@example.com", "wrong password")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_five_failures_lock_the_account_and_ip_for_fifteen_minutes():
    patient_account(email="ravi@example.com")

    statuses = [login("ravi@example.com", "wrong").status_code for _ in range(5)]
    after = login("ravi@example.com", factories.PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert after.status_code == 429
    assert after.json()["error"]["code"] == "locked_out"
    assert after["Retry-After"] == str(15 * 60)


def test_a_locked_account_does_not_lock_another_account_on_the_same_ip():
    patient_account(email="ravi@example.com")
    patient_account(email="meena@example.com")
    for _ in range(5):
        login("ravi@example.com", "wrong")

    assert login("meena@example.com", factories.PASSWORD).status_code == 200
    assert login("ravi@example.com", factories.PASSWORD).status_code == 429


def test_a_locked_account_can_still_sign_in_from_another_ip():
    patient_account(email="ravi@example.com")
    for _ in range(5):
        login("ravi@example.com", "wrong", REMOTE_ADDR="10.0.0.1")

    assert login("ravi@example.com", factories.PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_lockout_lifts_after_the_cool_off():
    patient_account(email="ravi@example.com")
    for _ in range(5):
        login("ravi@example.com", "wrong")

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))

    assert login("ravi@example.com", factories.PASSWORD).status_code == 200


def test_the_admin_login_is_locked_out_after_five_failures_too():
    factories.UserFactory(email="clerk@example.com", role=Role.ADMIN, is_superuser=True)
    browser = Client()

    statuses = [
        browser.post(
            "/admin/login/", {"username": "clerk@example.com", "password": "wrong"}
        ).status_code
        for _ in range(5)
    ]
    locked = browser.post(
        "/admin/login/", {"username": "clerk@example.com", "password": factories.PASSWORD}
    )

    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == 429
    assert locked.status_code == 429


def test_refresh_rotates_and_the_old_refresh_token_is_refused():
    patient_account(email="ravi@example.com")
    first = login("ravi@example.com", factories.PASSWORD).json()["refresh"]

    rotated = signed_in(None).post(REFRESH, {"refresh": first}, format="json")
    reused = signed_in(None).post(REFRESH, {"refresh": first}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"


def test_refresh_refuses_garbage():
    response = signed_in(None).post(REFRESH, {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token():
    user = patient_account(email="ravi@example.com")
    refresh = login("ravi@example.com", factories.PASSWORD).json()["refresh"]

    response = signed_in(user).post(LOGOUT, {"refresh": refresh}, format="json")

    assert response.status_code == 205
    assert signed_in(None).post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


def test_logout_refuses_someone_elses_refresh_token():
    patient_account(email="ravi@example.com")
    intruder = patient_account()
    refresh = login("ravi@example.com", factories.PASSWORD).json()["refresh"]

    response = signed_in(intruder).post(LOGOUT, {"refresh": refresh}, format="json")

    assert response.status_code == 400
    assert signed_in(None).post(REFRESH, {"refresh": refresh}, format="json").status_code == 200


def test_logout_needs_a_signed_in_user():
    response = signed_in(None).post(LOGOUT, {"refresh": "x"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_profile_can_be_read_and_changed_but_not_the_role():
    user = patient_account(email="ravi@example.com")
    client = signed_in(user)

    changed = client.patch(
        PROFILE, {"name": "Ravi Kumar", "phone": "+919811111111", "role": "admin"}, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["name"] == "Ravi Kumar"
    assert changed.json()["role"] == "patient"
    user.refresh_from_db()
    assert user.role == Role.PATIENT
    assert user.patient.name == "Ravi Kumar"
    assert user.patient.phone == "+919811111111"
    assert client.get(PROFILE).json()["phone"] == "+919811111111"


def test_profile_refuses_an_email_of_another_account():
    patient_account(email="taken@example.com")
    user = patient_account()

    response = signed_in(user).patch(PROFILE, {"email": "taken@example.com"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]


def test_change_password_checks_the_old_one_and_the_validators():
    user = patient_account(email="ravi@example.com")
    client = signed_in(user)

    wrong_old = client.post(
        CHANGE_PASSWORD,
        {"old_password": "nope", "new_password": "another long phrase"},
        format="json",
    )
    weak = client.post(
        CHANGE_PASSWORD, {"old_password": factories.PASSWORD, "new_password": "123"}, format="json"
    )

    assert wrong_old.status_code == 400
    assert "old_password" in wrong_old.json()["error"]["details"]
    assert weak.status_code == 400
    assert weak.json()["error"]["details"]["new_password"]


def test_change_password_signs_out_old_sessions_and_the_new_password_works():
    user = patient_account(email="ravi@example.com")
    old_refresh = login("ravi@example.com", factories.PASSWORD).json()["refresh"]

    response = signed_in(user).post(
        CHANGE_PASSWORD,
        {"old_password": factories.PASSWORD, "new_password": "another long phrase"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["refresh"]
    assert signed_in(None).post(REFRESH, {"refresh": old_refresh}, format="json").status_code == 401
    assert login("ravi@example.com", factories.PASSWORD).status_code == 401
    assert login("ravi@example.com", "another long phrase").status_code == 200


def throttled(**rates):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
    return override_settings(REST_FRAMEWORK=rest)


def test_login_is_throttled_with_retry_after():
    patient_account(email="ravi@example.com")
    with throttled(login="2/min"):
        statuses = [login("ravi@example.com", factories.PASSWORD).status_code for _ in range(3)]
        last = login("ravi@example.com", factories.PASSWORD)

    assert statuses == [200, 200, 429]
    assert last.json()["error"]["code"] == "throttled"
    assert int(last["Retry-After"]) > 0


def test_register_is_throttled():
    with throttled(register="1/min"):
        first = register()
        second = register(email="other@example.com")

    assert first.status_code == 201
    assert second.status_code == 429
