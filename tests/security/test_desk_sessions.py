"""Desk PCs are shared: a desk or admin session ends with the browser, or after one shift."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

SHIFT = timedelta(hours=12)


def sign_in_at_the_desk(user) -> tuple[Client, object]:
    client = Client()
    response = client.post("/desk/login/", {"username": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client, response


def hours_pass(delta: timedelta) -> None:
    """As if ``delta`` went by: every stored session is that much closer to its end."""
    Session.objects.update(expire_date=F("expire_date") - delta)


def test_the_desk_session_cookie_is_forgotten_when_the_browser_closes(receptionist):
    _, response = sign_in_at_the_desk(receptionist)

    cookie = response.cookies["sessionid"]
    assert cookie.value
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_a_desk_session_lasts_a_shift(receptionist):
    client, _ = sign_in_at_the_desk(receptionist)
    hours_pass(SHIFT - timedelta(minutes=5))

    assert client.get("/desk/patients/").status_code == 200


def test_a_desk_session_ends_after_a_shift(receptionist):
    client, _ = sign_in_at_the_desk(receptionist)
    hours_pass(SHIFT + timedelta(minutes=1))

    response = client.get("/desk/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_an_admin_session_ends_after_a_shift(admin_user):
    client = Client()
    client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.email, "password": factories.PASSWORD},
    )
    assert client.get("/admin/").status_code == 200
    hours_pass(SHIFT + timedelta(minutes=1))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
