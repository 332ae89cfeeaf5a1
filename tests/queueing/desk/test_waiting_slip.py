"""The waiting slip: a waitlisted patient takes home their place, and a QR code to follow it."""

import pytest
import segno
from django.urls import reverse

from queueing.desk.views import qr_svg
from scheduling.models import WaitingEntry
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_clinic(clock):
    """Cardiology with one seat a slot, all taken, and two patients waiting."""
    clinic = Clinic(capacity=1)
    for _ in range(3):
        clinic.book()
    clinic.book(name="Farah Khan")
    return clinic


def slip(client, entry, **query):
    return client.get(reverse("desk:waiting_slip", args=[entry.reference]), query)


def test_the_slip_shows_doctor_date_position_name_and_mrn(desk_client, full_clinic, settings):
    settings.SITE_URL = "https://opd.hospital.example/"
    patient = factories.PatientFactory(name="Lakshmi Pillai")
    entry = full_clinic.book(patient=patient)
    assert isinstance(entry, WaitingEntry)

    page = slip(desk_client, entry).content.decode()
    printed = page.split('<article class="slip waiting-slip"')[1]
    assert "Dr Asha Rao" in printed
    assert "Cardiology" in printed
    assert 'data-testid="waiting-position">No. 2<' in printed
    assert "Lakshmi Pillai" in printed
    assert patient.mrn in printed
    assert "Farah Khan" not in page  # the patient ahead stays private

    url = f"https://opd.hospital.example/status/w/{entry.reference}/"
    assert f'data-url="{url}"' in page
    assert qr_svg(url) in page
    assert segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True) in page


def test_without_a_site_address_the_qr_uses_the_request_host(desk_client, full_clinic, settings):
    settings.SITE_URL = ""
    entry = full_clinic.book()
    page = slip(desk_client, entry).content.decode()
    assert f'data-url="http://testserver/status/w/{entry.reference}/"' in page


def test_a6_paper_is_offered(desk_client, full_clinic):
    entry = full_clinic.book()
    assert "A6 portrait" in slip(desk_client, entry, paper="a6").content.decode()


def test_an_unknown_reference_is_not_found(desk_client, clinic):
    response = desk_client.get(reverse("desk:waiting_slip", args=["nosuchentry9"]))
    assert response.status_code == 404


def test_issuing_a_token_that_ends_on_the_waiting_list_opens_its_slip(desk_client, full_clinic):
    patient = factories.PatientFactory(name="Lakshmi Pillai")
    response = desk_client.post(
        reverse("desk:issue", args=[patient.pk]),
        {"doctor": full_clinic.doctor.pk, "source": "walk_in", "payment_method": "later"},
        follow=True,
    )
    entry = WaitingEntry.objects.get(patient=patient)
    assert response.redirect_chain[-1][0] == reverse("desk:waiting_slip", args=[entry.reference])
    page = response.content.decode()
    assert "added to the waiting list" in page
    assert "Print waiting slip" in page
    assert 'data-testid="waiting-position">No. 2<' in page
