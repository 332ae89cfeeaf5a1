"""An administrator marks a no-show from the admin list; the waiting patient gets the seat."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from scheduling.models import TokenStatus, WaitingEntry
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.fixtures.clinic import Clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_no_show_hands_the_seat_to_the_waiting_patient(
    new_page, frozen_morning, admin_user, shoot
):
    clinic = Clinic(capacity=1)
    absent = clinic.book(name="Absent Patient")
    clinic.book()
    clinic.book()
    waiting = clinic.book(name="Waiting Patient")
    assert isinstance(waiting, WaitingEntry)
    frozen_morning.set(clinic.slots[0].start + timedelta(minutes=20))  # past the grace

    page = new_page()
    sign_in(page, admin_user.email, PASSWORD)
    page.goto(f"/admin/scheduling/token/?q={absent.display_number}")
    row = page.locator("#result_list tbody tr", has_text=absent.display_number)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("mark_no_show_tokens")
    shoot(page, "14-admin-tokens")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"{absent.display_number}: marked as a no-show"
    )
    shoot(page, "15-admin-no-show-done")

    absent.refresh_from_db()
    waiting.refresh_from_db()
    assert absent.status == TokenStatus.NO_SHOW
    assert waiting.status == WaitingEntry.Status.ALLOCATED
    seat = waiting.allocated_token
    assert seat.patient.name == "Waiting Patient"
    assert seat.slot == absent.slot
    assert seat.status == TokenStatus.BOOKED


def test_admin_cancels_with_a_reason_and_reads_the_history(
    new_page, frozen_morning, admin_user, shoot
):
    clinic = Clinic()
    token = clinic.book(name="Leaving Patient")
    page = new_page()
    sign_in(page, admin_user.email, PASSWORD)
    page.goto("/admin/scheduling/token/")
    page.locator("#result_list tbody tr", has_text=token.display_number).locator(
        "input.action-select"
    ).check()
    page.locator("select[name=action]").select_option("cancel_tokens")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason for cancelling").fill("Patient went home")
    shoot(page, "16-admin-cancel-form")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{token.display_number}: cancelled")
    token.refresh_from_db()
    assert token.status == TokenStatus.CANCELLED
    assert token.cancellation_reason == "Patient went home"

    page.goto(f"/admin/scheduling/token/{token.pk}/change/")
    history = page.locator(".inline-group", has_text="History")
    expect(history).to_contain_text("Patient went home")
    shoot(page, "17-admin-token-history")
