"""Step 1 of a request: every refusal, each with its code, and nothing written when refused."""

from datetime import timedelta

import pytest

from doctors.models import Doctor
from scheduling.errors import (
    AlreadyBooked,
    DoctorNotWorking,
    DoctorUnavailable,
    OutsideBookingWindow,
    PatientBlocked,
    SlotNotBookable,
    SourceNotAllowed,
)
from scheduling.models import Slot, Source
from scheduling.services.requests import request_token
from tests import factories
from tests.scheduling.helpers import book, make_day, new_patient, snapshot


def refused(error_class, call, patient=None):
    """Run ``call(patient)``; it must raise ``error_class`` and leave the database as it was."""
    patient = patient or new_patient()
    before = snapshot()
    with pytest.raises(error_class) as raised:
        call(patient)
    assert snapshot() == before
    return raised.value


def test_unavailable_doctor_refuses_every_request(day):
    Doctor.objects.filter(pk=day.doctor.pk).update(is_available=False)
    day.doctor.refresh_from_db()

    error = refused(DoctorUnavailable, lambda p: book(day, "online", patient=p))

    assert error.code == "doctor_unavailable"
    assert error.status == 409


def test_doctor_on_leave_that_date_refuses_requests(day):
    factories.DoctorLeaveFactory(doctor=day.doctor, start_date=day.date, end_date=day.date)

    error = refused(DoctorUnavailable, lambda p: book(day, "walk_in", patient=p))

    assert "leave" in error.message


def test_leave_on_another_date_does_not_refuse(day):
    factories.DoctorLeaveFactory(
        doctor=day.doctor,
        start_date=day.date + timedelta(days=1),
        end_date=day.date + timedelta(days=3),
    )

    assert book(day, "online").token is not None


def test_walk_in_for_another_day_is_outside_the_booking_window(day):
    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))

    error = refused(OutsideBookingWindow, lambda p: book(tomorrow, "walk_in", patient=p))

    assert error.code == "outside_booking_window"
    assert error.status == 400


def test_emergency_for_another_day_is_outside_the_booking_window(day):
    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))

    refused(OutsideBookingWindow, lambda p: book(tomorrow, "emergency", patient=p))


@pytest.mark.parametrize("source", ["online", "priority"])
def test_advance_booking_past_the_window_is_refused_naming_the_window(day, source):
    late = make_day(doctor=day.doctor, on=day.date + timedelta(days=31))

    error = refused(OutsideBookingWindow, lambda p: book(late, source, patient=p))

    assert error.details == {
        "first": day.date.isoformat(),
        "last": (day.date + timedelta(days=30)).isoformat(),
    }


def test_advance_booking_on_the_last_day_of_the_window_is_accepted(day):
    last = make_day(doctor=day.doctor, on=day.date + timedelta(days=30))

    assert book(last, "online").token is not None


def test_advance_booking_for_a_past_date_is_refused(day):
    yesterday = make_day(doctor=day.doctor, on=day.date - timedelta(days=1))

    refused(OutsideBookingWindow, lambda p: book(yesterday, "online", patient=p))


def test_booking_window_is_configuration(day, settings):
    settings.OPD = {**settings.OPD, "BOOKING_WINDOW_DAYS": 3}
    later = make_day(doctor=day.doctor, on=day.date + timedelta(days=4))

    refused(OutsideBookingWindow, lambda p: book(later, "online", patient=p))


def test_preferred_slot_of_another_day_is_refused(day):
    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))

    error = refused(
        SlotNotBookable, lambda p: book(day, "online", slot=tomorrow.slots[0], patient=p)
    )

    assert error.code == "slot_not_bookable"


def test_preferred_slot_of_another_doctor_is_refused(day):
    other = make_day()

    refused(SlotNotBookable, lambda p: book(day, "online", slot=other.slots[0], patient=p))


def test_cancelled_preferred_slot_is_refused(day):
    Slot.objects.filter(pk=day.slots[1].pk).update(status=Slot.Status.CANCELLED)

    error = refused(SlotNotBookable, lambda p: book(day, "online", slot=day.slots[1], patient=p))

    assert "cancelled" in error.message


def test_preferred_slot_that_has_ended_is_refused(day, clock):
    clock.advance(hours=2, minutes=30)  # 10:30: the 09:00 slot is over

    error = refused(SlotNotBookable, lambda p: book(day, "walk_in", slot=day.slots[0], patient=p))

    assert "ended" in error.message


def test_slot_in_progress_can_still_be_preferred(day, clock):
    clock.advance(hours=1, minutes=30)  # 09:30

    assert book(day, "walk_in", slot=day.slots[0]).token.slot_id == day.slots[0].id


def test_second_request_for_the_same_doctor_day_names_the_existing_token(day):
    patient = new_patient()
    first = book(day, "online", patient=patient).token

    error = refused(AlreadyBooked, lambda p: book(day, "walk_in", patient=p), patient)

    assert error.code == "already_booked"
    assert error.status == 409
    assert error.details == {"token": first.id, "reference": first.reference}


def test_request_while_on_the_waiting_list_names_the_waiting_entry(clock, db):
    day = make_day(hours=(9,), capacity=1)
    book(day, "online")
    patient = new_patient()
    entry = book(day, "online", patient=patient).waiting

    error = refused(AlreadyBooked, lambda p: book(day, "priority", patient=p), patient)

    assert error.details == {"waiting": entry.id}


def test_emergency_for_a_patient_already_booked_is_refused(day):
    patient = new_patient()
    first = book(day, "online", patient=patient).token

    error = refused(AlreadyBooked, lambda p: book(day, "emergency", patient=p), patient)

    assert error.details["reference"] == first.reference


def test_same_patient_may_book_another_doctor_the_same_day(day):
    patient = new_patient()
    book(day, "online", patient=patient)

    assert book(make_day(), "online", patient=patient).token is not None


def test_cancelled_token_does_not_block_a_new_request(day):
    from scheduling.services.cancellation import cancel_token

    patient = new_patient()
    cancel_token(token=book(day, "online", patient=patient).token)

    assert book(day, "online", patient=patient).token is not None


def test_patient_blocked_for_no_shows_cannot_book_online(day):
    patient = new_patient(booking_blocked=True)

    error = refused(PatientBlocked, lambda p: book(day, "online", patient=p), patient)

    assert error.code == "patient_blocked"
    assert error.status == 403


@pytest.mark.parametrize("source", [Source.WALK_IN, Source.PRIORITY, Source.EMERGENCY])
def test_patient_blocked_for_no_shows_is_still_served_at_the_desk(day, source):
    patient = new_patient(booking_blocked=True)

    assert book(day, source, patient=patient).token is not None


@pytest.mark.parametrize("source", [Source.PRIORITY, Source.FOLLOW_UP, Source.ONLINE])
def test_a_patient_blocked_for_no_shows_books_no_source_for_themselves(day, source):
    account = factories.UserFactory(role="patient")
    patient = new_patient(user=account, booking_blocked=True)

    error = refused(
        PatientBlocked, lambda p: book(day, source, patient=p, actor=account), patient=patient
    )

    assert (error.code, error.status) == ("patient_blocked", 403)


def test_doctor_without_slots_that_day_is_refused_and_no_day_is_left_behind(day):
    empty_date = day.date + timedelta(days=2)
    patient = new_patient()

    before = snapshot()
    with pytest.raises(DoctorNotWorking):
        request_token(doctor=day.doctor, day=empty_date, source="online", patient=patient)

    assert snapshot() == before


def test_request_after_the_last_slot_has_ended_is_refused(day, clock):
    clock.advance(hours=6)  # 14:00

    refused(DoctorNotWorking, lambda p: book(day, "walk_in", patient=p))


@pytest.mark.parametrize("source", ["walk_in", "emergency"])
def test_patient_cannot_issue_walk_in_or_emergency_tokens_to_themselves(day, source):
    patient = new_patient()
    account = factories.UserFactory(role="patient")

    error = refused(
        SourceNotAllowed, lambda p: book(day, source, patient=p, actor=account), patient=patient
    )

    assert error.code == "forbidden"
    assert error.status == 403


def test_front_desk_issues_walk_in_tokens(day):
    desk = factories.UserFactory(role="receptionist")

    allocation = book(day, "walk_in", actor=desk)

    assert allocation.token.source == "walk_in"
