"""The API's search boxes and filters treat hostile text as text: never a 500, never extra rows."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests import factories
from tests.security.conftest import SCRIPT, SQL_PROBES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_api(receptionist):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(receptionist)}")
    return client


@pytest.fixture
def hospital(clock):
    """A doctor, a few patients and their tokens: rows a bad query would leak."""
    doctor = factories.DoctorFactory(specialization="Cardiology")
    slot = factories.SlotFactory(doctor_day=factories.DoctorDayFactory(doctor=doctor))
    for _ in range(3):
        factories.TokenFactory(slot=slot)
    return doctor


SEARCHES = [
    "/api/v1/patients?search=",
    "/api/v1/doctors?search=",
    "/api/v1/doctors?specialization=",
    "/api/v1/cancellations?reason=",
]
FILTERS = [
    "/api/v1/tokens?status=",
    "/api/v1/tokens?source=",
    "/api/v1/tokens?doctor=",
    "/api/v1/tokens?date=",
    "/api/v1/waiting?doctor=",
    "/api/v1/doctors/{doctor}/slots?date=",
    "/api/v1/cancellations?from=",
]


@pytest.mark.parametrize("path", SEARCHES)
@pytest.mark.parametrize("probe", SQL_PROBES)
def test_search_boxes_find_nothing_for_sql(staff_api, hospital, path, probe):
    response = staff_api.get(path + probe.replace("%", "%25").replace("#", "%23"))

    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] == 0


@pytest.mark.parametrize("path", FILTERS)
@pytest.mark.parametrize("probe", [*SQL_PROBES, SCRIPT, "1" * 40, "\x00"])
def test_typed_filters_refuse_hostile_values_in_the_error_shape(staff_api, hospital, path, probe):
    url = path.format(doctor=hospital.id) + probe.replace("%", "%25")

    response = staff_api.get(url)

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.json()["error"]["code"]
    elif "results" in response.json():
        assert response.json()["count"] == 0


def test_markup_in_json_is_served_as_json_never_sniffed_as_html(staff_api, hostile_patient):
    response = staff_api.get(f"/api/v1/patients/{hostile_patient.pk}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["name"].startswith(SCRIPT)


def test_hostile_text_in_a_booking_reason_is_stored_as_text(patient_user, clock):
    doctor = factories.DoctorFactory()
    factories.SlotFactory(doctor_day=factories.DoctorDayFactory(doctor=doctor), hour=10)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient_user)}")
    reason = f"{SCRIPT} '; DROP TABLE scheduling_token;--"

    response = client.post(
        "/api/v1/tokens",
        {"doctor": doctor.id, "date": "2026-03-02", "source": "online", "reason": reason},
    )

    assert response.status_code == 201, response.content[:300]
    listing = client.get("/api/v1/tokens")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
