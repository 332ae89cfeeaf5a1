"""A receptionist's morning in a real browser: sign in, register, issue, print; the board."""

import pytest
import segno
from playwright.sync_api import expect

from queueing.services import check_in
from scheduling.models import Token, TokenStatus
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receptionist_registers_a_walk_in_and_prints_the_slip(
    new_page, clinic, receptionist, live_server, settings, shoot
):
    settings.SITE_URL = live_server.url
    page = new_page()
    page.goto("/desk/login/")
    shoot(page, "01-login")
    sign_in(page, receptionist.email, PASSWORD)
    expect(page.get_by_role("heading", name="Dr Asha Rao")).to_be_visible()
    expect(page.locator(".doctor-card")).to_contain_text("Cardiology")
    shoot(page, "02-desk-overview")

    page.get_by_label("Name, phone or MRN").fill("Kavya Nair")
    page.get_by_role("button", name="Find or register patient").click()
    expect(page.get_by_text("No patient matches")).to_be_visible()
    page.get_by_label("Phone", exact=True).fill("+919876500001")
    page.get_by_label("Sex").select_option("F")
    shoot(page, "03-register-patient")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Kavya Nair")).to_be_visible()
    shoot(page, "04-patient")

    # From the patient: the kind of token, how the fee was paid, confirm (the slip opens).
    page.get_by_role("link", name="Walk-in with Dr Asha Rao").click()
    expect(page.get_by_test_id("issue-fee")).to_have_text("300.00")
    page.get_by_label("Cash").check()
    page.get_by_label("Receipt or transaction reference (optional)").fill("R-0001")
    # Checked in later, from the token page (the confirm page would check a walk-in in now).
    page.get_by_label("Check in now (the patient is here)").uncheck()
    shoot(page, "05-confirm")
    page.get_by_role("button", name="Confirm and print slip").click()
    expect(page.get_by_test_id("slip-number")).to_have_text("CARD1-001")
    expect(page.get_by_test_id("slip-payment")).to_contain_text("Paid 300.00 (Cash, ref. R-0001)")
    shoot(page, "06-slip")

    token = Token.objects.get(patient__name="Kavya Nair")
    status_url = f"{live_server.url}/status/{token.reference}/"
    figure = page.locator("figure.slip-qr")
    assert figure.get_attribute("data-url") == status_url
    raw = page.request.get(page.url).text()  # the server's bytes, not the browser's DOM
    assert segno.make(status_url, error="m").svg_inline(scale=4, border=2, omitsize=True) in raw
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    shoot(page, "07-slip-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Token details").click()
    expect(page.get_by_role("heading", name="Why it is here: history")).to_be_visible()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("CARD1-001 checked in.")).to_be_visible()
    shoot(page, "08-token")
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN

    status = new_page(width=390, height=844)
    status.goto(status_url)  # what the QR code opens on a phone
    expect(status.locator(".status-number")).to_have_text("CARD1-001")
    expect(status.get_by_text("Kavya Nair")).to_have_count(0)
    shoot(status, "09-status-phone")


def test_receptionist_takes_the_fee_owed_at_check_in(new_page, clinic, receptionist, shoot):
    token = clinic.book(source="priority", name="Ravi Menon")  # issued to pay later
    page = new_page()
    sign_in(page, receptionist.email, PASSWORD)

    page.goto(f"/desk/tokens/{token.reference}/")
    expect(page.get_by_test_id("owed")).to_have_text("500.00 owed")
    page.get_by_label("Method").select_option("upi")
    page.get_by_label("Receipt or transaction reference (optional)").fill("UPI-4471")
    page.get_by_role("button", name="Take 500.00").click()
    expect(page.get_by_text("CARD1-001: 500.00 taken by UPI.")).to_be_visible()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("CARD1-001 checked in.")).to_be_visible()
    expect(page.get_by_test_id("payment-state")).to_contain_text("Paid 500.00 (UPI, ref. UPI-4471)")
    shoot(page, "10-token-paid")

    page.get_by_role("link", name="Collection").click()
    expect(page.get_by_test_id("desk-row")).to_contain_text("500.00")


def test_board_shows_the_number_once_the_doctor_calls_next(new_page, clinic, shoot):
    waiting = [clinic.book(name=f"Patient {n}") for n in range(4)]
    for token in waiting[:3]:
        check_in(token=token)

    board = new_page(width=1920, height=1080)
    board.goto("/board/CARD/")
    serving = board.locator("tr", has_text="Dr Asha Rao").locator(".now-serving")
    expect(serving).to_have_text("—")
    board.evaluate("window.notReloaded = true")

    console = new_page()
    sign_in(console, clinic.doctor.user.email, PASSWORD)
    expect(console.get_by_role("button", name="Call next patient")).to_be_visible()
    shoot(console, "10-console-before")
    console.get_by_role("button", name="Call next patient").click()
    expect(console.get_by_text("Calling CARD1-001")).to_be_visible()
    shoot(console, "11-console-calling")

    expect(serving).to_have_text("CARD1-001", timeout=5_000)
    expect(board.locator(".up-next").first).to_contain_text("CARD1-002")
    assert board.evaluate("window.notReloaded") is True  # swapped in place, no full reload
    assert "Patient " not in board.content()
    shoot(board, "12-board")


def test_desk_overview_fits_a_tablet(new_page, clinic, receptionist, shoot):
    for _ in range(3):
        clinic.book()
    page = new_page(width=768, height=1024)
    sign_in(page, receptionist.email, PASSWORD)
    expect(page.get_by_role("heading", name="Dr Asha Rao")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    shoot(page, "13-desk-tablet")
