"""Slips that stay true, in a real browser: issue and print, the paper sizes Chromium prints, and
a doctor running late, which the desk sees on a printed slip and reprints."""

import re
import time
from datetime import date

import pytest
from playwright.sync_api import expect

from scheduling.models import Token
from scheduling.services.slips import record_slip_printed
from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# window.print() would open the print dialog: count the calls instead.
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
MM = 72 / 25.4


def wait_for(condition, seconds: float = 5.0) -> None:
    """Poll the database until ``condition()`` holds (the browser's requests are async)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def wait_for_prints(page, count: int, seconds: float = 10.0) -> None:
    """Wait until the page has called ``window.print()`` ``count`` times. ``page.evaluate`` and
    not ``wait_for_function``: the site's Content-Security-Policy forbids the ``eval`` that
    Playwright's polling of a string predicate needs."""
    deadline = time.monotonic() + seconds
    while page.evaluate("window.__prints") != count:
        assert time.monotonic() < deadline, f"window.print() was not called {count} time(s)"
        time.sleep(0.05)


def fresh(token: Token) -> Token:
    return Token.objects.get(pk=token.pk)


def test_confirm_and_print_prints_the_slip_once_and_records_it(
    new_page, clinic, receptionist, shoot_sizes
):
    patient = factories.PatientFactory(name="Kavya Nair", date_of_birth=date(1991, 8, 1))
    page = new_page()
    page.add_init_script(COUNT_PRINTS)
    sign_in(page, receptionist.email, PASSWORD)

    page.goto(f"/desk/patients/{patient.pk}/issue/?doctor={clinic.doctor.pk}&source=walk_in")
    page.get_by_role("button", name="Confirm and print slip").click()

    expect(page.get_by_test_id("slip-number")).to_have_text("CARD1-001")
    assert page.url.endswith("?print=1")
    wait_for_prints(page, 1)
    expect(page.get_by_test_id("slip-patient")).to_have_text("Kavya Nair")
    expect(page.get_by_test_id("slip-age")).to_have_text("34 years")
    expect(page.get_by_test_id("slip-mrn")).to_have_text(patient.mrn)
    expect(page.get_by_test_id("slip-hospital")).to_have_text("City General Hospital")
    token = Token.objects.get(patient=patient)
    wait_for(lambda: fresh(token).slip_printed_at is not None)
    shoot_sizes(page, "slip")

    page.get_by_role("button", name="Print slip").click()
    wait_for_prints(page, 2)  # the button prints; the load printed once


def media_box(pdf: bytes) -> tuple[float, float]:
    boxes = MEDIA_BOX.findall(pdf)
    assert len(boxes) == 1, f"one page expected, found {len(boxes)}"
    left, bottom, right, top = (float(value) for value in boxes[0])
    return right - left, top - bottom


@pytest.mark.parametrize(
    ("paper", "width", "height"),
    [("80mm", 80 * MM, 180 * MM), ("a6", 297.64, 419.53)],
)
def test_the_slip_prints_on_its_paper_size(new_page, clinic, receptionist, paper, width, height):
    token = clinic.book(name="Meena Kumari")
    page = new_page()
    sign_in(page, receptionist.email, PASSWORD)
    page.goto(f"/desk/tokens/{token.reference}/slip/?paper={paper}")
    expect(page.get_by_test_id("slip-number")).to_have_text("CARD1-001")

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)

    pdf_width, pdf_height = media_box(pdf)
    assert abs(pdf_width - width) < 1, (paper, pdf_width)
    assert abs(pdf_height - height) < 1, (paper, pdf_height)


def test_a_late_doctor_makes_the_desk_reprint_a_printed_slip(
    new_page, clinic, receptionist, shoot_sizes
):
    token = clinic.book(name="Ravi Verma")
    record_slip_printed(token=token, actor=receptionist)

    # The doctor signs in from the site's root and lands on their console.
    doctor = new_page()
    doctor.goto("/")
    doctor.get_by_label("E-mail").fill(clinic.doctor.user.email)
    doctor.get_by_label("Password").fill(PASSWORD)
    doctor.get_by_role("button", name="Sign in").click()
    expect(doctor.get_by_role("button", name="Call next patient")).to_be_visible()
    assert doctor.url.endswith("/desk/doctor/")
    expect(doctor.get_by_test_id("delay-state")).to_have_text("On time: no delay recorded today.")

    doctor.get_by_label("Minutes late").fill("20")
    doctor.get_by_label("Reason (optional)").fill("Ward round")
    doctor.get_by_role("button", name="Running late").click()
    expect(
        doctor.get_by_text("Running 20 minutes late: estimated times have moved.")
    ).to_be_visible()
    expect(doctor.get_by_test_id("delay-state")).to_contain_text("Running 20 minutes late")
    shoot_sizes(doctor, "console")
    assert fresh(token).reprint_needed

    # The desk sees the printed slip is out of date, and reprints it.
    desk = new_page()
    desk.add_init_script(COUNT_PRINTS)
    sign_in(desk, receptionist.email, PASSWORD)
    desk.goto(f"/desk/tokens/{token.reference}/")
    flag = desk.get_by_test_id("reprint-flag")
    expect(flag).to_contain_text("Slip out of date — reprint")
    shoot_sizes(desk, "reprint-flag")

    flag.get_by_role("link", name="Reprint slip").click()
    expect(desk.get_by_test_id("slip-number")).to_have_text("CARD1-001")
    wait_for_prints(desk, 1)
    wait_for(lambda: not fresh(token).reprint_needed)

    desk.goto(f"/desk/tokens/{token.reference}/")
    expect(desk.get_by_role("heading", name="Why it is here: history")).to_be_visible()
    expect(desk.get_by_test_id("reprint-flag")).to_have_count(0)
