"""The printed token slip: the hospital, the patient (name, age, MRN), the big number, doctor,
room, date, slot, estimate, fee and payment state, and a QR code to the status page."""

import re
from datetime import date

import pytest
import segno
from django.conf import settings
from django.urls import reverse

from queueing.desk.views import qr_svg
from scheduling.services.payments import take_payment, waive_fee
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://opd.hospital.example/"
    return "https://opd.hospital.example"


def slip_of(client, token, **query) -> str:
    return client.get(reverse("desk:slip", args=[token.reference]), query).content.decode()


def printed_part(page: str) -> str:
    """The slip itself, without the desk's tools around it."""
    return page.split('<article class="slip"')[1].split("</article>")[0]


def test_slip_shows_what_the_patient_needs(desk_client, clinic, site_url, settings):
    settings.HOSPITAL_NAME = "Sanjeevani Hospital"
    settings.HOSPITAL_ADDRESS = "12 MG Road, Pune"
    token = clinic.book(name="Meena Kumari", date_of_birth=date(1990, 6, 15))
    slip = printed_part(slip_of(desk_client, token))
    assert '<p class="slip-number" data-testid="slip-number">CARD1-001</p>' in slip
    assert "Sanjeevani Hospital" in slip
    assert "12 MG Road, Pune" in slip
    assert '<dd data-testid="slip-patient">Meena Kumari</dd>' in slip
    assert '<dd data-testid="slip-age">35 years</dd>' in slip  # on Monday 2 March 2026
    assert f'<dd data-testid="slip-mrn">{token.patient.mrn}</dd>' in slip
    assert "Dr Asha Rao" in slip
    assert "B-12" in slip
    assert "Cardiology" in slip
    assert "Mon 2 Mar 2026" in slip
    assert "09:00–10:00" in slip
    assert "Estimated" in slip
    assert "300.00 owed" in slip.split('data-testid="slip-payment"')[1]


def test_an_age_worked_out_from_years_says_approx(desk_client, clinic):
    token = clinic.book(date_of_birth=date(1980, 1, 1), date_of_birth_approximate=True)
    assert '<dd data-testid="slip-age">approx. 46 years</dd>' in slip_of(desk_client, token)


def test_a_baby_is_aged_in_months_and_no_birth_date_means_no_age(desk_client, clinic):
    baby = clinic.book(date_of_birth=date(2025, 11, 20))
    assert '<dd data-testid="slip-age">3 months</dd>' in slip_of(desk_client, baby)
    unknown = clinic.book(date_of_birth=None)
    assert 'data-testid="slip-age"' not in slip_of(desk_client, unknown)


def payment_on_slip(client, token) -> str:
    page = slip_of(client, token)
    return page.split('data-testid="slip-payment">')[1].split("</dd>")[0]


def test_the_slip_says_whether_the_fee_is_paid_waived_or_due(desk_client, clinic, receptionist):
    due = clinic.book()
    assert payment_on_slip(desk_client, due) == "<strong>300.00 owed</strong> (due at the desk)"

    paid = clinic.book()
    take_payment(token=paid, amount=paid.fee, method="upi", reference="UPI-77", actor=receptionist)
    assert payment_on_slip(desk_client, paid) == "Paid 300.00 (UPI, ref. UPI-77)"

    waived = clinic.book()
    admin = factories.UserFactory(role="admin", name="Dr Admin")
    waive_fee(token=waived, actor=admin, reason="Hospital staff")
    assert payment_on_slip(desk_client, waived) == "300.00, waived"

    free = clinic.book(source="emergency")
    assert payment_on_slip(desk_client, free) == "No fee"


def test_slip_qr_encodes_the_public_status_url(desk_client, clinic, site_url):
    token = clinic.book()
    page = desk_client.get(reverse("desk:slip", args=[token.reference])).content.decode()
    url = f"{site_url}/status/{token.reference}/"
    assert f'data-url="{url}"' in page
    assert segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True) in page
    assert qr_svg(url) in page
    assert re.search(r"<svg[^>]*>", page)


def test_without_a_site_url_the_qr_points_at_the_host_the_desk_used(desk_client, clinic, settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["opd.local"]
    token = clinic.book()
    page = desk_client.get(
        reverse("desk:slip", args=[token.reference]), HTTP_HOST="opd.local:8443", secure=True
    ).content.decode()
    url = f"https://opd.local:8443/status/{token.reference}/"
    assert f'data-url="{url}"' in page
    assert qr_svg(url) in page


def test_slip_prints_on_a_roll_or_a6(desk_client, clinic, settings):
    token = clinic.book()
    assert "@page { size: 80mm 180mm;" in slip_of(desk_client, token)
    assert "@page { size: 105mm 148mm;" in slip_of(desk_client, token, paper="a6")
    assert "@page { size: 80mm 180mm;" in slip_of(desk_client, token, paper="roll")
    settings.SLIP_PAPER = "a6"
    assert "@page { size: 105mm 148mm;" in slip_of(desk_client, token)
    assert "@page { size: 80mm 180mm;" in slip_of(desk_client, token, paper="80mm")


def test_print_1_opens_the_print_dialog_once_loaded(desk_client, clinic):
    token = clinic.book()
    plain, printing = slip_of(desk_client, token), slip_of(desk_client, token, print="1")
    assert "data-auto-print" in printing
    assert "data-auto-print" not in plain
    for page in (plain, printing):
        assert '<script src="/static/js/slip.js" defer></script>' in page
        assert "data-print>Print slip</button>" in page
    script = (settings.BASE_DIR / "static" / "js" / "slip.js").read_text()
    assert "[data-auto-print]" in script and "window.print()" in script


def test_the_status_url_on_the_slip_opens_the_status_page(client, clinic, site_url):
    token = clinic.book()
    response = client.get(reverse("board:status", args=[token.reference]))
    assert response.status_code == 200
    assert token.display_number in response.content.decode()
