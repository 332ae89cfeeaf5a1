"""Registering at a busy desk in a real browser: a returning patient typed differently is
caught as a duplicate, and a walk-in is registered, issued, paid, checked in and printed in
four clicks from the overview."""

import pytest
from playwright.sync_api import expect

from accounts.models import Patient
from scheduling.models import PaymentState, Token, TokenStatus
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def find_or_register(page, text: str) -> None:
    page.goto("/desk/")
    page.get_by_label("Name, phone or MRN").fill(text)
    page.get_by_role("button", name="Find or register patient").click()


def test_a_returning_patient_typed_differently_is_caught_as_a_duplicate(
    new_page, clinic, receptionist, shoot_sizes
):
    page = new_page()
    sign_in(page, receptionist.email, PASSWORD)
    find_or_register(page, "Asha Verma")
    page.get_by_label("Phone", exact=True).fill("09820134567")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Asha Verma")).to_be_visible()
    first = Patient.objects.get()
    assert first.phone == "+919820134567"

    # Later the same person comes back; the name is spelt differently, the phone typed in full.
    find_or_register(page, "Aasha Varma")
    expect(page.get_by_text("No patient matches")).to_be_visible()
    page.get_by_label("Phone", exact=True).fill("+91 98201 34567")
    page.get_by_role("button", name="Register patient").click()
    duplicates = page.get_by_test_id("possible-duplicates")
    expect(duplicates).to_contain_text("This patient may already be registered")
    expect(duplicates).to_contain_text(first.mrn)
    expect(duplicates).to_contain_text("+91 ••••••4567")
    expect(page.get_by_role("button", name="Register as a new patient anyway")).to_be_visible()
    shoot_sizes(page, "register-duplicate")

    page.get_by_role("link", name=f"Use this patient Asha Verma {first.mrn}").click()
    expect(page.get_by_role("heading", name="Asha Verma")).to_be_visible()
    assert Patient.objects.count() == 1


def test_a_walk_in_is_registered_issued_paid_checked_in_and_printed_in_four_clicks(
    new_page, clinic, receptionist, shoot_sizes
):
    page = new_page()
    sign_in(page, receptionist.email, PASSWORD)
    page.goto("/desk/")
    clicks = 0

    page.get_by_label("Name, phone or MRN").fill("Kavya Nair")
    page.get_by_role("button", name="Find or register patient").click()
    clicks += 1
    page.get_by_label("Phone", exact=True).fill("98765 00001")
    page.get_by_label("Age in years").fill("34")
    page.get_by_role("button", name="Register patient").click()
    clicks += 1
    page.get_by_role("link", name="Walk-in with Dr Asha Rao").click()
    clicks += 1
    expect(page.get_by_label("Cash")).to_be_checked()
    expect(page.get_by_label("Check in now (the patient is here)")).to_be_checked()
    page.get_by_role("button", name="Confirm and print slip").click()
    clicks += 1

    expect(page.get_by_test_id("slip-number")).to_have_text("CARD1-001")
    assert "print=1" in page.url
    assert clicks == 4
    token = Token.objects.get(patient__name="Kavya Nair")
    assert token.status == TokenStatus.CHECKED_IN
    assert token.payment_state == PaymentState.PAID
    assert token.patient.phone == "+919876500001"
    shoot_sizes(page, "walk-in-4-clicks")
