"""API tokens: a forged, tampered, expired or unsigned token gets 401 in the error shape."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/auth/profile"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def call(token: str | None):
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(PROFILE)


def assert_unauthorised(response, code="token_not_valid"):
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "WWW-Authenticate" in response


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_genuine_token_is_accepted(patient_user):
    response = call(str(AccessToken.for_user(patient_user)))

    assert response.status_code == 200
    assert response.json()["email"] == patient_user.email


def test_no_token_is_401_not_authenticated():
    assert_unauthorised(call(None), code="not_authenticated")


def test_a_token_whose_payload_was_edited_is_refused(patient_user, admin_user):
    header, payload, signature = str(AccessToken.for_user(patient_user)).split(".")
    claims = unb64(payload)
    claims["user_id"] = str(admin_user.pk)  # try to become the administrator

    assert_unauthorised(call(f"{header}.{b64(claims)}.{signature}"))


def test_a_token_signed_with_another_key_is_refused(patient_user):
    claims = unb64(str(AccessToken.for_user(patient_user)).split(".")[1])
    forged = jwt.encode(claims, "a-key-the-attacker-chose-" + "x" * 40, algorithm="HS256")

    assert_unauthorised(call(forged))


def test_an_unsigned_alg_none_token_is_refused(patient_user):
    claims = unb64(str(AccessToken.for_user(patient_user)).split(".")[1])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."

    assert_unauthorised(call(unsigned))


def test_an_expired_token_is_refused(patient_user):
    token = AccessToken.for_user(patient_user)
    issued = token.current_time - timedelta(hours=2)
    token.set_iat(at_time=issued)
    token.set_exp(from_time=issued, lifetime=settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"])

    assert_unauthorised(call(str(token)))


def test_a_refresh_token_is_not_an_access_token(patient_user):
    assert_unauthorised(call(str(RefreshToken.for_user(patient_user))))


def test_a_token_of_a_deactivated_account_is_refused(patient_user):
    token = str(AccessToken.for_user(patient_user))
    patient_user.is_active = False
    patient_user.save(update_fields=["is_active"])

    response = call(token)

    assert response.status_code == 401
    assert response.json()["error"]["code"]


def test_a_refresh_token_stops_working_after_logout(patient_user):
    refresh = RefreshToken.for_user(patient_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert client.post("/api/v1/auth/logout", {"refresh": str(refresh)}).status_code == 205

    reuse = APIClient().post("/api/v1/auth/refresh", {"refresh": str(refresh)})

    assert_unauthorised(reuse)


def test_garbage_in_the_authorization_header_is_401_not_500():
    for token in ("not-a-jwt", "a.b.c", "....", "Bearer", "é" * 50):
        assert call(token).status_code == 401
