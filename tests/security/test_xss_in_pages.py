"""A patient named like a script shows as text on every staff page, never as markup."""

import pytest

from tests import factories
from tests.security.conftest import SCRIPT, assert_escaped

pytestmark = pytest.mark.django_db


def test_admin_patient_list_escapes_the_name(admin_client, hostile_patient):
    response = admin_client.get("/admin/accounts/patient/")

    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_admin_token_list_and_page_escape_the_patient_name(admin_client, hostile_patient, clock):
    token = factories.TokenFactory(patient=hostile_patient, reason=SCRIPT)

    listing = admin_client.get("/admin/scheduling/token/")
    page = admin_client.get(f"/admin/scheduling/token/{token.pk}/change/")

    for response in (listing, page):
        assert response.status_code == 200
        assert_escaped(response.content.decode())


def test_desk_search_escapes_results_and_the_query_it_echoes(desk_client, hostile_patient):
    by_name = desk_client.get("/desk/patients/", {"q": "script"})
    reflected = desk_client.get("/desk/patients/", {"q": SCRIPT})

    assert by_name.status_code == 200
    assert_escaped(by_name.content.decode())
    assert reflected.status_code == 200
    assert SCRIPT not in reflected.content.decode()


def test_desk_patient_and_token_pages_escape_the_name(desk_client, hostile_patient, clock):
    token = factories.TokenFactory(patient=hostile_patient)

    for path in (
        f"/desk/patients/{hostile_patient.pk}/",
        f"/desk/tokens/{token.reference}/",
    ):
        response = desk_client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.content.decode())


def test_desk_overview_slip_and_doctor_console_never_emit_the_markup(
    desk_client, hostile_patient, clock
):
    token = factories.TokenFactory(patient=hostile_patient)
    doctor = token.doctor_day.doctor

    for path in (
        "/desk/",
        f"/desk/tokens/{token.reference}/slip/",
        f"/desk/doctor/?doctor={doctor.pk}",
        f"/desk/doctor/queue/?doctor={doctor.pk}",
    ):
        response = desk_client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SCRIPT not in html, path
        assert "<img src=x" not in html, path
