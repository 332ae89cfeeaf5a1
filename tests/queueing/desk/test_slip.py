"""The printed token slip: big number, doctor, room, slot, estimate and a QR code."""

import re

import pytest
import segno
from django.urls import reverse

from queueing.desk.views import qr_svg

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://opd.hospital.example/"
    return "https://opd.hospital.example"


def test_slip_shows_what_the_patient_needs(desk_client, clinic, site_url):
    token = clinic.book()
    page = desk_client.get(reverse("desk:slip", args=[token.reference])).content.decode()
    assert '<p class="slip-number" data-testid="slip-number">CARD1-001</p>' in page
    assert "Dr Asha Rao" in page
    assert "B-12" in page
    assert "Cardiology" in page
    assert "09:00–10:00" in page
    assert "Estimated" in page
    assert token.patient.name not in page.split('<article class="slip"')[1]


def test_slip_qr_encodes_the_public_status_url(desk_client, clinic, site_url):
    token = clinic.book()
    page = desk_client.get(reverse("desk:slip", args=[token.reference])).content.decode()
    url = f"{site_url}/status/{token.reference}/"
    assert f'data-url="{url}"' in page
    assert segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True) in page
    assert qr_svg(url) in page
    assert re.search(r"<svg[^>]*>", page)


def test_slip_prints_on_a_roll_or_a6(desk_client, clinic):
    token = clinic.book()
    url = reverse("desk:slip", args=[token.reference])
    assert "@page { size: 80mm" in desk_client.get(url).content.decode()
    assert "@page { size: A6" in desk_client.get(url, {"paper": "a6"}).content.decode()


def test_the_status_url_on_the_slip_opens_the_status_page(client, clinic, site_url):
    token = clinic.book()
    response = client.get(reverse("board:status", args=[token.reference]))
    assert response.status_code == 200
    assert token.display_number in response.content.decode()
