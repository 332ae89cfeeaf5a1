"""A receptionist works one doctor's day in a real browser: from the compact overview of twenty
doctors to the day page, checking in with one click, seating a waiting patient once a seat frees
up, and printing the waiting slip that the patient follows on a phone."""

from datetime import time

import pytest
from playwright.sync_api import expect

from opd_site import clock as opd_clock
from queueing.services import call_next, check_in
from scheduling.hospital import (
    DayPlan,
    DepartmentPlan,
    DoctorPlan,
    SlotPlan,
    add_departments,
    add_doctors,
    open_days,
)
from scheduling.models import Source, TokenStatus, WaitingEntry
from scheduling.services.requests import request_token
from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEPARTMENTS = [
    DepartmentPlan(code="ORTH", name="Orthopaedics", location="Ground floor, Block A"),
    DepartmentPlan(code="PAED", name="Paediatrics", location="Second floor, Block C"),
    DepartmentPlan(code="DERM", name="Dermatology", location="First floor, Block A"),
    DepartmentPlan(code="ENT", name="ENT", location="Ground floor, Block C"),
    DepartmentPlan(code="GEN", name="General Medicine", location="Ground floor, Block B"),
]
NAMES = [
    "Vikram Nair", "Priya Menon", "Rahul Gupta", "Sneha Kulkarni", "Arvind Reddy",
    "Neha Joshi", "Suresh Iyer", "Kavita Sharma", "Manoj Pillai", "Divya Rao",
    "Anil Deshpande", "Pooja Banerjee", "Rohit Malhotra", "Swati Patil", "Harish Shetty",
    "Meenakshi Sundaram", "Farhan Qureshi", "Gita Chatterjee",
]  # fmt: skip
MORNING_SLOTS = tuple(
    SlotPlan(start=time(hour), end=time(hour + 1), capacity=6, consultation_fee=300)
    for hour in (9, 10, 11, 12)
)


def twenty_doctors(today):
    """Eighteen doctors across five departments beside Dr Asha Rao and Dr Kiran Bose."""
    add_departments(plans=DEPARTMENTS)
    plans = [
        DoctorPlan(
            name=name,
            email=f"doctor{n}@opd.example",
            department=DEPARTMENTS[n % len(DEPARTMENTS)].code,
            token_prefix=f"{DEPARTMENTS[n % len(DEPARTMENTS)].code}{n}",
            license_number=f"KMC-{n:05d}",
            room=f"{'ABC'[n % 3]}-{n + 1:02d}",
        )
        for n, name in enumerate(NAMES)
    ]
    doctors = add_doctors(plans=plans)
    open_days(plans=[DayPlan(doctor=doctor, on=today, slots=MORNING_SLOTS) for doctor in doctors])
    for n, doctor in enumerate(doctors):
        tokens = [
            request_token(
                doctor=doctor, day=today, source=Source.WALK_IN, patient=factories.PatientFactory()
            ).token
            for _ in range(n % 5)
        ]
        for token in tokens[:2]:
            check_in(token=token)
        if len(tokens) > 2:
            call_next(doctor=doctor)


def reserve_doctor(today):
    """Dr Kiran Bose: 10:00 one seat; 11:00 two seats, one kept for walk-ins until 10:00."""
    [doctor] = add_doctors(
        plans=[
            DoctorPlan(
                name="Kiran Bose",
                email="kiran.bose@opd.example",
                department="GEN",
                token_prefix="KBOSE",
                license_number="KMC-09999",
                room="B-07",
            )
        ]
    )
    open_days(
        plans=[
            DayPlan(
                doctor=doctor,
                on=today,
                slots=(
                    SlotPlan(start=time(10), end=time(11), capacity=1, consultation_fee=300),
                    SlotPlan(
                        start=time(11),
                        end=time(12),
                        capacity=2,
                        walk_in_reserve=1,
                        consultation_fee=300,
                    ),
                ),
            )
        ]
    )

    def ask(source, name):
        patient = factories.PatientFactory(name=name)
        allocation = request_token(doctor=doctor, day=today, source=source, patient=patient)
        return allocation.token or allocation.waiting

    seated = ask(Source.ONLINE, "Meera Iyer")  # 10:00
    walk_in = ask(Source.WALK_IN, "Arjun Das")  # 11:00, in the walk-in reserve
    ask(Source.ONLINE, "Farah Khan")  # 11:00
    waiting = ask(Source.ONLINE, "Lakshmi Pillai")  # the advance seats are gone: waits
    assert isinstance(waiting, WaitingEntry)
    return doctor, seated, walk_in, waiting


def test_receptionist_works_a_doctor_s_day(
    new_page, clinic, frozen_morning, receptionist, live_server, settings, shoot_sizes
):
    settings.SITE_URL = live_server.url
    today = opd_clock.today()
    for _ in range(3):
        clinic.book()
    twenty_doctors(today)
    doctor, seated, walk_in, waiting = reserve_doctor(today)

    page = new_page(width=1366, height=768)
    sign_in(page, receptionist.email, PASSWORD)
    cards = page.locator(".doctor-card")
    expect(cards).to_have_count(20)
    expect(page.get_by_role("heading", name="Dr Kiran Bose")).to_be_visible()
    # Twenty doctors on the desk's screen: the last card is no more than a little below the fold.
    last_bottom = cards.last.evaluate("card => card.getBoundingClientRect().bottom")
    assert last_bottom < 768 * 1.2, last_bottom
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot_sizes(page, "desk-overview")

    card = page.locator(".doctor-card", has=page.get_by_role("heading", name="Dr Kiran Bose"))
    card.get_by_role("link", name="1 waiting").click()
    expect(page).to_have_url(f"{live_server.url}/desk/day/{doctor.pk}/#waiting")
    waiting_row = page.locator(f"#waiting-{waiting.reference}")
    expect(waiting_row).to_contain_text("Lakshmi Pillai")
    expect(waiting_row.get_by_role("button", name="Seat Lakshmi Pillai now")).to_have_count(0)

    # One click checks Meera in; the row says so.
    row = page.locator(f"#token-{seated.reference}")
    expect(row).to_contain_text("Booked")
    row.get_by_role("button", name=f"Check in {seated.display_number}").click()
    expect(page.get_by_text(f"{seated.display_number} checked in.")).to_be_visible()
    expect(page.locator(f"#token-{seated.reference}")).to_contain_text("Checked in")
    seated.refresh_from_db()
    assert seated.status == TokenStatus.CHECKED_IN

    # The waiting slip, printed for Lakshmi, and the page its QR code opens.
    page.locator(f"#waiting-{waiting.reference}").get_by_role("link", name="Waiting slip").click()
    expect(page.get_by_test_id("waiting-position")).to_have_text("No. 1")
    expect(page.get_by_test_id("waiting-patient")).to_have_text("Lakshmi Pillai")
    status_url = f"{live_server.url}/status/w/{waiting.reference}/"
    assert page.locator("figure.slip-qr").get_attribute("data-url") == status_url
    shoot_sizes(page, "waiting-slip")
    page.go_back()

    phone = new_page(width=390, height=844)
    phone.goto(status_url)
    expect(phone.get_by_test_id("waiting-position")).to_have_text("No. 1")
    expect(phone.get_by_text("Lakshmi Pillai")).to_have_count(0)
    shoot_sizes(phone, "waiting-status")

    # Cancelling Arjun's walk-in seat asks first, then says the seat is free: Lakshmi booked
    # online, and the walk-in reserve opens to her only at 10:00.
    arjun = page.locator(f"#token-{walk_in.reference}")
    arjun.get_by_role("link", name=f"Cancel {walk_in.display_number}").click()
    expect(
        page.get_by_role("heading", name=f"Cancel token {walk_in.display_number}?")
    ).to_be_visible()
    page.get_by_label("Reason for cancelling").fill("Went home")
    page.get_by_role("button", name="Yes, cancel the token").click()
    expect(
        page.get_by_text(f"{walk_in.display_number} cancelled; its seat is free")
    ).to_be_visible()
    expect(page.locator(f"#token-{walk_in.reference}")).to_contain_text("Cancelled")

    # At 10:00 the reserve opens: the live table offers to seat her, without a reload.
    page.evaluate("window.notReloaded = true")
    frozen_morning.set(frozen_morning.at.replace(hour=10, minute=0))
    seat = page.get_by_role("button", name="Seat Lakshmi Pillai now")
    expect(seat).to_be_visible(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    shoot_sizes(page, "doctor-day")
    seat.click()
    waiting.refresh_from_db()
    assert waiting.status == WaitingEntry.Status.ALLOCATED
    token = waiting.allocated_token
    expect(
        page.get_by_text(f"Lakshmi Pillai is seated: token {token.display_number}")
    ).to_be_visible()
    expect(page.get_by_text("Nobody is waiting.")).to_be_visible()

    # Her token's slip, printed from her new row; her status page now leads to the token.
    page.locator(f"#token-{token.reference}").get_by_role("link", name="Slip").click()
    expect(page.get_by_test_id("slip-number")).to_have_text(token.display_number)
    phone.reload()
    expect(phone.get_by_role("link", name=f"Follow token {token.display_number}")).to_be_visible()
