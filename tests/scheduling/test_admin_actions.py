"""Admin actions of the front desk: each calls an engine service and reports every row."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from doctors.models import DoctorLeave
from opd_site import clock as opd_clock
from queueing.services import call_next, check_in, complete
from scheduling.models import (
    CancelledBy,
    Payment,
    PaymentState,
    Refund,
    Slot,
    Source,
    Token,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.cancellation import request_refund
from tests import factories
from tests.fixtures.clinic import Clinic

pytestmark = pytest.mark.django_db

TOKENS = "admin:scheduling_token_changelist"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def act(client, changelist, action, rows, **form):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **form}
    return client.post(reverse(changelist), data, follow=True)


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_check_in_reports_each_row(admin_client, clinic, morning):
    booked = clinic.book()
    done = clinic.book()
    check_in(token=done)
    call_next(doctor=clinic.doctor)
    complete(token=done)
    response = act(admin_client, TOKENS, "check_in_tokens", [booked, done])
    booked.refresh_from_db()
    assert booked.status == TokenStatus.CHECKED_IN
    assert f"{booked.display_number}: checked in." in texts(response)
    assert (
        f"{done.display_number}: A completed token cannot become checked in. Allowed: none."
        in texts(response)
    )


def test_no_show_gives_the_seat_to_the_waiting_patient(admin_client, clock):
    clinic = Clinic(capacity=1)
    absent = clinic.book()
    clinic.book()
    clinic.book()
    waiting = clinic.book()
    clock.set(clinic.slots[0].start + timedelta(minutes=20))
    response = act(admin_client, TOKENS, "mark_no_show_tokens", [absent])
    absent.refresh_from_db()
    waiting.refresh_from_db()
    assert absent.status == TokenStatus.NO_SHOW
    assert waiting.status == WaitingEntry.Status.ALLOCATED
    assert waiting.allocated_token.slot == absent.slot
    assert any("no-show" in text for text in texts(response))


def test_cancel_asks_for_a_reason_first(admin_client, clinic):
    token = clinic.book()
    page = act(admin_client, TOKENS, "cancel_tokens", [token])
    assert page.templates[0].name == "desk/admin/action_form.html"
    assert "Reason for cancelling" in page.content.decode()
    token.refresh_from_db()
    assert token.status == TokenStatus.BOOKED
    missing = act(admin_client, TOKENS, "cancel_tokens", [token], apply="Apply", reason="")
    assert "This field is required." in missing.content.decode()
    act(admin_client, TOKENS, "cancel_tokens", [token], apply="Apply", reason="Family emergency")
    token.refresh_from_db()
    assert token.status == TokenStatus.CANCELLED
    assert token.cancelled_by == CancelledBy.STAFF
    assert token.cancellation_reason == "Family emergency"


def test_fast_track_and_requeue(admin_client, clinic, morning):
    later = factories.PatientFactory()
    token = clinic.book()
    moved = clinic.book(patient=later)
    act(admin_client, TOKENS, "fast_track_tokens", [moved])
    moved.refresh_from_db()
    assert moved.priority == 100
    check_in(token=token)
    call_next(doctor=clinic.doctor)
    act(admin_client, TOKENS, "requeue_tokens", [token])
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN


def test_token_page_shows_its_history_read_only(admin_client, clinic, morning):
    token = clinic.book()
    check_in(token=token)
    page = admin_client.get(reverse("admin:scheduling_token_change", args=[token.pk]))
    html = page.content.decode()
    assert "History" in html
    assert "Booked" in html and "Checked in" in html
    assert 'name="events-0-reason"' not in html  # read-only rows


def test_token_list_filters_and_search(admin_client, clinic):
    patient = factories.PatientFactory(name="Meena Kumari", phone="+919812345678")
    token = clinic.book(patient=patient, source=Source.ONLINE)
    clinic.book(source=Source.WALK_IN)
    by_source = admin_client.get(reverse(TOKENS), {"source__exact": "online"})
    assert list(by_source.context["cl"].result_list) == [token]
    by_doctor = admin_client.get(
        reverse(TOKENS), {"doctor_day__doctor__id__exact": clinic.doctor.pk}
    )
    assert by_doctor.context["cl"].result_count == 2
    for term in ("Meena", "12345678", patient.mrn, token.display_number):
        found = admin_client.get(reverse(TOKENS), {"q": term})
        assert list(found.context["cl"].result_list) == [token], term


def test_doctor_unavailable_cancels_the_slot_and_moves_its_tokens(admin_client, clinic):
    token = clinic.book()
    slots = "admin:scheduling_slot_changelist"
    act(admin_client, slots, "doctor_unavailable_for_slots", [clinic.slots[0]])
    response = act(
        admin_client,
        slots,
        "doctor_unavailable_for_slots",
        [clinic.slots[0]],
        apply="Apply",
        reason="Called to theatre",
    )
    clinic.slots[0].refresh_from_db()
    token.refresh_from_db()
    assert clinic.slots[0].status == Slot.Status.CANCELLED
    assert token.slot == clinic.slots[1]
    assert any("1 token(s) moved to later slots" in text for text in texts(response))


def test_capacity_override_promotes_and_refuses_below_occupancy(admin_client, clock):
    clinic = Clinic(capacity=1)
    for _ in range(3):
        clinic.book()
    waiting = clinic.book()
    slots = "admin:scheduling_slot_changelist"
    act(admin_client, slots, "override_capacity", [clinic.slots[2]], apply="Apply", capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == WaitingEntry.Status.ALLOCATED
    response = act(
        admin_client, slots, "override_capacity", [clinic.slots[0]], apply="Apply", capacity=0
    )
    clinic.slots[0].refresh_from_db()
    assert clinic.slots[0].capacity == 1
    assert any("seats of this slot are taken" in text for text in texts(response))


def test_record_a_delay_and_leave_for_doctors(admin_client, clinic):
    doctors = "admin:doctors_doctor_changelist"
    act(admin_client, doctors, "record_delay", [clinic.doctor], apply="Apply", minutes=15)
    clinic.doctor_day.refresh_from_db()
    assert clinic.doctor_day.delay_minutes == 15
    tomorrow = opd_clock.today() + timedelta(days=1)
    response = act(
        admin_client,
        doctors,
        "record_doctor_leave",
        [clinic.doctor],
        apply="Apply",
        start=tomorrow.isoformat(),
        end=(tomorrow + timedelta(days=2)).isoformat(),
        reason="Conference",
    )
    leave = DoctorLeave.objects.get(doctor=clinic.doctor)
    assert (leave.start_date, leave.reason) == (tomorrow, "Conference")
    assert any("on leave" in text for text in texts(response))


def _paid_cancelled_token(clinic, taken_by):
    """A priority token whose fee the desk took, cancelled by the hospital (refund-eligible)."""
    token = factories.TokenFactory(
        slot=clinic.slots[0],
        source=Source.PRIORITY,
        fee=Decimal("500.00"),
        status=TokenStatus.CANCELLED,
        cancelled_by=CancelledBy.HOSPITAL,
        cancelled_at=opd_clock.now(),
    )
    Payment.objects.create(
        token=token, amount=token.fee, method="cash", taken_by=taken_by, taken_at=opd_clock.now()
    )
    Token.objects.filter(pk=token.pk).update(payment_state=PaymentState.PAID)
    token.refresh_from_db()
    return token


def test_refund_decisions(admin_client, clinic, receptionist):
    token = _paid_cancelled_token(clinic, receptionist)
    refund = request_refund(token=token)
    refunds = "admin:scheduling_refund_changelist"
    too_early = act(admin_client, refunds, "refund_paid", [refund])
    assert any("A requested refund cannot become paid." in text for text in texts(too_early))
    act(admin_client, refunds, "refund_approved", [refund])
    act(admin_client, refunds, "refund_paid", [refund])
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert refund.paid_at is not None
    token.refresh_from_db()
    assert token.payment_state == PaymentState.REFUNDED


def test_an_administrator_cannot_decide_a_refund_they_requested(
    admin_client, admin_user, clinic, receptionist
):
    mine = request_refund(token=_paid_cancelled_token(clinic, receptionist), actor=admin_user)
    theirs = request_refund(token=_paid_cancelled_token(clinic, receptionist))

    response = act(
        admin_client, "admin:scheduling_refund_changelist", "refund_approved", [mine, theirs]
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Refund.Status.REQUESTED, Refund.Status.APPROVED)
    assert (
        f"{mine}: You requested this refund: another administrator approves or pays it."
        in texts(response)
    )
    assert f"{theirs}: approved." in texts(response)


def test_receptionists_run_actions_too(client, receptionist, clinic, morning):
    client.force_login(receptionist)
    token = clinic.book()
    act(client, TOKENS, "check_in_tokens", [token])
    token.refresh_from_db()
    assert token.status == TokenStatus.CHECKED_IN
