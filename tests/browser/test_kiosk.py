"""A patient checks in at the waiting hall's kiosk in a real browser; the desk sees it."""

import pytest
from playwright.sync_api import expect

from scheduling.models import TokenStatus
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE_LABEL = "Scan the QR code on your slip, or type the token reference"
DIGITS_LABEL = "Last 4 digits of your phone number"


def test_patient_checks_in_at_the_kiosk_and_the_desk_sees_it(
    new_page, clinic, receptionist, shoot, shoot_sizes
):
    clinic.book(name="Ravi Verma")
    token = clinic.book(name="Meena Kumari", phone="+919876512345")

    kiosk = new_page(width=1080, height=1920)  # a portrait kiosk screen
    kiosk.goto("/kiosk/card/")
    expect(kiosk.get_by_role("heading", name="Check in for your token")).to_be_visible()
    expect(kiosk.get_by_label(REFERENCE_LABEL)).to_be_focused()
    shoot(kiosk, "kiosk-portrait")
    shoot_sizes(kiosk, "kiosk")

    # The patient types the reference on the screen's keyboard and the digits.
    for character in token.reference.upper():
        kiosk.locator(f'[data-key="{character}"]').click()
    expect(kiosk.get_by_label(REFERENCE_LABEL)).to_have_value(token.reference)
    kiosk.get_by_label(DIGITS_LABEL).click()
    for digit in "2345":
        kiosk.locator(f'[data-key="{digit}"]').click()
    kiosk.get_by_role("button", name="Check in", exact=True).click()

    expect(kiosk.get_by_role("heading", name="You are checked in")).to_be_visible()
    expect(kiosk.get_by_test_id("kiosk-number")).to_have_text("CARD1-002")
    expect(kiosk.get_by_test_id("kiosk-position")).to_have_text("1")
    assert "Meena Kumari" not in kiosk.content() and "Ravi Verma" not in kiosk.content()
    shoot(kiosk, "kiosk-checked-in-portrait")
    shoot_sizes(kiosk, "kiosk-checked-in")
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN

    desk = new_page()
    sign_in(desk, receptionist.email, PASSWORD)
    desk.goto(f"/desk/tokens/{token.reference}/")
    expect(desk.locator("h1 .status")).to_have_text("Checked in")
    expect(desk.get_by_role("cell", name="Self check-in at kiosk")).to_be_visible()


def test_scanner_types_the_slips_address_and_the_digits_come_next(new_page, clinic, live_server):
    token = clinic.book(phone="+919876512345")
    kiosk = new_page(width=1920, height=1080)
    kiosk.goto("/kiosk/CARD/")
    reference = kiosk.get_by_label(REFERENCE_LABEL)
    reference.press_sequentially(f"{live_server.url}/status/{token.reference}/")
    reference.press("Enter")  # the scanner's last key
    expect(reference).to_have_value(token.reference)
    digits = kiosk.get_by_label(DIGITS_LABEL)
    expect(digits).to_be_focused()
    digits.press_sequentially("2345")
    digits.press("Enter")
    expect(kiosk.get_by_test_id("kiosk-number")).to_have_text("CARD1-001")


def test_wrong_digits_get_a_clear_message(new_page, clinic):
    token = clinic.book(phone="+919876512345")
    kiosk = new_page(width=390, height=844)
    kiosk.goto("/kiosk/CARD/")
    kiosk.get_by_label(REFERENCE_LABEL).fill(token.reference)
    kiosk.get_by_label(DIGITS_LABEL).fill("1111")
    kiosk.get_by_role("button", name="Check in", exact=True).click()
    expect(kiosk.get_by_role("alert")).to_contain_text(
        "We could not find that token with those digits."
    )
    overflow = kiosk.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
