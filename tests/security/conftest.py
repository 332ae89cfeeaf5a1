"""Fixtures for the security tests: a patient whose name is an attack, and staff clients."""

import pytest
from django.test import Client

from tests import factories

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(2)>'
SQL_PROBES = ["' OR 1=1--", "'; DROP TABLE accounts_patient;--", '" OR ""="', "%' OR '%'='"]


@pytest.fixture
def hostile_patient(db):
    """A patient record whose name and e-mail carry markup, as a hostile registration would."""
    return factories.PatientFactory(name=f"{SCRIPT}{ATTRIBUTE_BREAK}", email="x@opd.example")


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def desk_client(receptionist):
    client = Client()
    client.force_login(receptionist)
    return client


def assert_escaped(html: str) -> None:
    """No attacker markup arrives as markup; it arrives as text."""
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
