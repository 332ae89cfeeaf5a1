"""A desk search for a phone number leaves the number in no log line.

The real gunicorn, with the project's ``gunicorn.conf.py``, serves the desk on a loopback port
against the test database; a receptionist signs in and searches for a patient by phone, coming
from a page whose address (the Referer) carries the number too. Neither gunicorn's access line
nor Django's JSON request line may repeat it.
"""

import re
import time
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from tests import factories
from tests.opd_site.fault_harness import Gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = "9820134567"


def test_database_url() -> str:
    """The URL of the database this test runs on, for a server in another process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    auth = quote(config["USER"] or "postgres")
    if config["PASSWORD"]:
        auth += ":" + quote(config["PASSWORD"])
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{config['PORT'] or 5432}/{config['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def server(receptionist):
    factories.PatientFactory(name="Meera Iyer", phone=f"+91{PHONE}")
    gunicorn = Gunicorn(database_url=test_database_url(), workers=1).start()
    yield gunicorn
    gunicorn.stop()


def sign_in(base: str, user) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/desk/login/", timeout=10)
    response = session.post(
        f"{base}/desk/login/",
        data={
            "username": user.email,
            "password": factories.PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/desk/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def test_a_phone_search_at_the_desk_is_not_written_to_any_log(server, receptionist):
    session = sign_in(server.base, receptionist)

    response = session.get(
        f"{server.base}/desk/patients/",
        params={"q": PHONE},
        headers={"Referer": f"{server.base}/desk/patients/?q={PHONE}&page=1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert "Meera Iyer" in response.text  # the search did find the patient

    lines = logged_after_the_search(server)
    assert any('"path": "/desk/patients/"' in line for line in lines)
    leaking = [line for line in lines if PHONE in line or "Meera" in line]
    assert leaking == []


def logged_after_the_search(server: Gunicorn, timeout: float = 10) -> list[str]:
    """The server's log once gunicorn's access line for the search is in it."""
    access_line = re.compile(r'"GET /desk/patients/\S* HTTP/1\.1" 200 ')
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = server.log_lines()
        if any(access_line.search(line) for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"no access line for the search:\n{server.log_tail()}")
