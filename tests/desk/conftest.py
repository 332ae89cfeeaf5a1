"""Fixtures of the desk tests: the clinic, the clock at 09:10 and signed-in clients."""

import pytest

from tests.desk.clinic import Clinic


@pytest.fixture
def clinic(clock):
    return Clinic()


@pytest.fixture
def morning(clock):
    """The clock at 09:10, ten minutes into the first slot."""
    clock.set(clock.at.replace(hour=9, minute=10))
    return clock


@pytest.fixture
def desk_client(client, receptionist):
    client.force_login(receptionist)
    return client


@pytest.fixture
def doctor_client(client, clinic):
    client.force_login(clinic.doctor.user)
    return client
