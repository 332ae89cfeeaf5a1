"""Who the client is: behind the proxies the deployment trusts, the address the proxy saw.

A client can neither reset its sign-in limit by writing its own ``X-Forwarded-For``, nor, behind
nginx (where every connection comes from the proxy), lock a user out for everyone else by
guessing that user's password: the lockout holds the pair of account and client address.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
NGINX = "127.0.0.1"  # behind the documented nginx, every connection comes from here
ATTACKER = "203.0.113.9"
FRONT_DESK_PC = "10.20.0.15"


@pytest.fixture
def behind_nginx(settings):
    """TRUSTED_PROXIES=1: one nginx in front, appending the client's address."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.fixture
def login_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/min",
        },
    }


def login(email: str, password: str, **headers):
    return APIClient().post(LOGIN, {"email": email, "password": password}, **headers)


def through_nginx(client_address: str, forged: str | None = None) -> dict:
    """What nginx passes on: the connection is its own, X-Forwarded-For ends with the client."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


def test_a_client_cannot_reset_its_sign_in_limit_with_its_own_forwarded_for_header(login_rate):
    answers = [
        login(
            f"someone{n}@opd.example",
            "guess",
            REMOTE_ADDR="198.51.100.20",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]

    assert answers == [401, 401, 401, 429, 429]


def test_behind_nginx_a_forged_forwarded_for_does_not_reset_the_limit(behind_nginx, login_rate):
    answers = [
        login(
            f"someone{n}@opd.example", "guess", **through_nginx(ATTACKER, forged=f"192.0.2.{n}")
        ).status_code
        for n in range(5)
    ]

    assert answers == [401, 401, 401, 429, 429]


def test_behind_nginx_each_client_address_has_its_own_limit(behind_nginx, login_rate):
    for n in range(4):
        login(f"someone{n}@opd.example", "guess", **through_nginx(ATTACKER))

    answer = login("someone@opd.example", "guess", **through_nginx(FRONT_DESK_PC))

    assert answer.status_code == 401


def test_guessing_the_front_desk_password_from_elsewhere_locks_only_the_guesser_out(
    behind_nginx, receptionist
):
    guesses = [
        login(receptionist.email, "guess", **through_nginx(ATTACKER)).status_code for _ in range(5)
    ]
    assert guesses[-1] == 429

    api = login(receptionist.email, factories.PASSWORD, **through_nginx(FRONT_DESK_PC))
    desk = Client().post(
        "/desk/login/",
        {"username": receptionist.email, "password": factories.PASSWORD},
        **through_nginx(FRONT_DESK_PC),
    )
    admin = Client().post(
        "/admin/login/?next=/admin/",
        {"username": receptionist.email, "password": factories.PASSWORD},
        **through_nginx(FRONT_DESK_PC),
    )

    assert api.status_code == 200
    assert "access" in api.json()
    assert desk.status_code == 302
    assert admin.status_code == 302
    assert admin["Location"] == "/admin/"


def test_the_guesser_stays_locked_out_whatever_it_writes_in_forwarded_for(
    behind_nginx, receptionist
):
    for n in range(5):
        login(receptionist.email, "guess", **through_nginx(ATTACKER, forged=f"192.0.2.{n}"))

    right = login(
        receptionist.email, factories.PASSWORD, **through_nginx(ATTACKER, forged=FRONT_DESK_PC)
    )

    assert right.status_code == 429
    assert right.json()["error"]["code"] == "locked_out"


def test_without_a_trusted_proxy_forwarded_for_is_ignored_by_the_lockout(receptionist):
    for n in range(5):
        login(
            receptionist.email,
            "guess",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    right = login(
        receptionist.email,
        factories.PASSWORD,
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=FRONT_DESK_PC,
    )

    assert right.status_code == 429
