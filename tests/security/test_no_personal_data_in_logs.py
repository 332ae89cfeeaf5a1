"""No personal data in the logs: a locked-out account is not named there, nor its address."""

import logging

import pytest
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_lockout_logs_neither_the_account_nor_the_address(caplog):
    user = factories.UserFactory(email="reception@opd.example")
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    caplog.set_level(logging.DEBUG, logger="opd")

    answers = [
        client.post(
            "/api/v1/auth/login", {"email": user.email, "password": "wrong guess"}, format="json"
        ).status_code
        for _ in range(6)
    ]

    assert answers[-1] == 429
    assert "reception@opd.example" not in caplog.text
    assert "203.0.113.9" not in caplog.text
