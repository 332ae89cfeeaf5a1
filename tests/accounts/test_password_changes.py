"""A password changed through any door ends every API session opened with the old one.

Whoever changes it — the user through the API, an administrator in the admin site (setting a new
password or disabling password sign-in), or an operator with ``manage.py changepassword`` — the
refresh tokens issued before can no longer be exchanged for access.
"""

import pytest
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.fixtures.api import signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-42"


def sign_in(user) -> str:
    """Sign in through the API, as the patient's phone app does; its refresh token."""
    response = APIClient().post(
        "/api/v1/auth/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    return response.json()["refresh"]


def renew(refresh: str):
    return APIClient().post("/api/v1/auth/refresh", {"refresh": refresh})


@pytest.fixture
def administrator(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_a_password_set_in_the_admin_ends_the_users_api_sessions(administrator, patient_user):
    phone_app = sign_in(patient_user)
    assert renew(sign_in(patient_user)).status_code == 200

    response = administrator.post(
        f"/admin/accounts/user/{patient_user.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    refused = renew(phone_app)
    assert refused.status_code == 401
    assert "access" not in refused.json()


def test_disabling_password_sign_in_in_the_admin_ends_the_users_api_sessions(
    administrator, patient_user
):
    phone_app = sign_in(patient_user)

    response = administrator.post(
        f"/admin/accounts/user/{patient_user.pk}/password/",
        {"usable_password": "false", "unset-password": "Disable password-based authentication"},
    )

    assert response.status_code == 302
    patient_user.refresh_from_db()
    assert not patient_user.has_usable_password()
    assert renew(phone_app).status_code == 401


def test_a_password_set_with_changepassword_ends_the_users_api_sessions(patient_user, monkeypatch):
    phone_app = sign_in(patient_user)
    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", patient_user.email, stdout=None)

    assert renew(phone_app).status_code == 401
    assert (
        APIClient()
        .post("/api/v1/auth/login", {"email": patient_user.email, "password": NEW_PASSWORD})
        .status_code
        == 200
    )


def test_a_password_changed_through_the_api_ends_the_other_api_sessions(patient_user):
    phone_app = sign_in(patient_user)

    response = signed_in(patient_user).post(
        "/api/v1/auth/change-password",
        {"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert renew(phone_app).status_code == 401
    assert renew(response.json()["refresh"]).status_code == 200


def test_other_changes_to_the_account_keep_the_sessions(administrator, patient_user):
    phone_app = sign_in(patient_user)

    signed_in(patient_user).patch("/api/v1/auth/profile", {"name": "New Name"}, format="json")
    patient_user.refresh_from_db()
    patient_user.save()

    assert renew(phone_app).status_code == 200
