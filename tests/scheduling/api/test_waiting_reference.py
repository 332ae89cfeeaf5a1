"""A waiting entry in the API carries its public reference and status page address."""

from tests import factories
from tests.fixtures.api import signed_in


def test_a_waiting_entry_names_its_reference_and_status_page(hospital, settings):
    settings.SITE_URL = "https://opd.hospital.example/"
    entry = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(), patient=hospital.patient
    )

    body = signed_in(hospital.patient_user).get(f"/api/v1/waiting/{entry.id}").json()

    assert body["reference"] == entry.reference
    assert body["status_url"] == f"https://opd.hospital.example/status/w/{entry.reference}/"
    assert signed_in(None).get(f"/status/w/{entry.reference}/").status_code == 200


def test_without_a_site_address_the_status_page_is_on_the_request_host(hospital, settings):
    settings.SITE_URL = ""
    entry = factories.WaitingEntryFactory(
        doctor_day=hospital.doctor_day(), patient=hospital.patient
    )

    listed = signed_in(hospital.patient_user).get("/api/v1/waiting").json()["results"]

    assert listed[0]["status_url"] == f"http://testserver/status/w/{entry.reference}/"
