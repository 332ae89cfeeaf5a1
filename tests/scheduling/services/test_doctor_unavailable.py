"""Doctor unavailable for a slot, a day, or leave: tokens move to later slots in priority order;
those that do not fit are cancelled by the hospital and carried to the next working day."""

from datetime import timedelta

import pytest

from doctors.models import DoctorLeave
from opd_site.errors import InvalidRequest
from scheduling.errors import DoctorUnavailable
from scheduling.invariants import check_invariants
from scheduling.models import CancelledBy, EventKind, Notification, Slot, TokenStatus, WaitingEntry
from scheduling.services.cancellation import is_refund_eligible
from scheduling.services.emergencies import admit_emergency
from scheduling.services.unavailability import cancel_slot, record_leave, set_availability
from tests.scheduling.helpers import (
    at,
    book,
    event_count,
    fill,
    fill_day,
    kinds,
    make_day,
    new_patient,
    reload,
)


@pytest.fixture
def crowded(day, clock):
    """09:00 holds three tokens (paid, online, walk-in; capacity raised to 3), 10:00 has one
    free seat, 11:00 and 12:00 are full; Tuesday is the next working day."""
    Slot.objects.filter(pk=day.slots[0].pk).update(capacity=3)
    day.refresh()
    walk_in = fill(day.slots[0], 1, "walk_in", day=day)[0]
    clock.advance(minutes=1)
    online = fill(day.slots[0], 1, "online", day=day)[0]
    clock.advance(minutes=1)
    paid = fill(day.slots[0], 1, "priority", day=day)[0]
    fill(day.slots[1], 1, "priority", day=day)
    fill(day.slots[2], 2, "priority", day=day)
    fill(day.slots[3], 2, "priority", day=day)
    day.tuesday = make_day(
        doctor=day.doctor, on=day.date + timedelta(days=1), hours=(9,), capacity=1
    )
    return day, paid, online, walk_in


def test_slot_tokens_move_in_priority_order_to_later_slots_with_room(crowded):
    day, paid, online, walk_in = crowded

    results = cancel_slot(slot=day.slots[0], reason="Called to theatre")

    assert Slot.objects.get(pk=day.slots[0].pk).status == Slot.Status.CANCELLED
    assert reload(paid).slot_id == day.slots[1].id  # highest priority took the one free seat
    assert kinds(paid)[-1] == EventKind.RESCHEDULED
    assert {(r.token.id, r.outcome) for r in results} == {
        (paid.id, "moved"),
        (online.id, "cancelled"),
        (walk_in.id, "cancelled"),
    }
    assert Notification.objects.filter(token=paid, kind=EventKind.RESCHEDULED).exists()
    assert check_invariants() == []


def test_tokens_that_do_not_fit_are_cancelled_by_the_hospital_refundable_and_notified(crowded, pay):
    day, _, online, walk_in = crowded
    for token in (online, walk_in):
        pay(token)  # their fees were taken at the desk: what a refund gives back
    fill(day.tuesday.slots[0], 1, "priority", day=day.tuesday)  # Tuesday is full

    cancel_slot(slot=day.slots[0])

    for token in (online, walk_in):
        token = reload(token)
        assert token.status == TokenStatus.CANCELLED
        assert token.cancelled_by == CancelledBy.HOSPITAL
        assert is_refund_eligible(token)
        notice = Notification.objects.get(token=token)
        assert notice.kind == EventKind.CANCELLED
        assert "waiting list" in notice.body


def test_cancelled_tokens_join_the_next_working_days_waiting_list_with_priority_kept(crowded):
    day, _, online, walk_in = crowded
    fill(day.tuesday.slots[0], 1, "priority", day=day.tuesday)  # Tuesday is full

    cancel_slot(slot=day.slots[0])

    entries = list(
        WaitingEntry.objects.filter(doctor_day=day.tuesday.doctor_day).order_by("-priority")
    )
    assert [(e.patient_id, e.source, e.priority, e.status) for e in entries] == [
        (online.patient_id, "online", 50, "waiting"),
        (walk_in.patient_id, "walk_in", 40, "waiting"),
    ]
    assert entries[0].requested_at == online.requested_at


def test_carried_over_patients_are_promoted_on_the_next_day_when_seats_exist(crowded):
    day, _, online, walk_in = crowded

    cancel_slot(slot=day.slots[0])

    entry = WaitingEntry.objects.get(patient=online.patient, doctor_day=day.tuesday.doctor_day)
    assert entry.status == WaitingEntry.Status.ALLOCATED
    assert entry.allocated_token.slot_id == day.tuesday.slots[0].id
    assert entry.allocated_token.priority == 50
    # One seat on Tuesday: the walk-in (lower priority) waits.
    assert WaitingEntry.objects.get(patient=walk_in.patient).status == WaitingEntry.Status.WAITING
    assert check_invariants() == []


def test_next_working_day_skips_leave_and_days_without_slots(day, clock):
    token = fill(day.slots[3], 2, day=day)[0]
    for slot in day.slots[:3]:
        Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    DoctorLeave.objects.create(
        doctor=day.doctor,
        start_date=day.date + timedelta(days=1),
        end_date=day.date + timedelta(days=1),
    )
    thursday = make_day(doctor=day.doctor, on=day.date + timedelta(days=3), hours=(9,))

    cancel_slot(slot=day.slots[3])

    entry = WaitingEntry.objects.get(patient=token.patient)
    assert entry.doctor_day_id == thursday.doctor_day.id


def test_without_a_next_working_day_the_token_is_cancelled_and_the_patient_told(day):
    token = fill(day.slots[3], 1, day=day)[0]
    fill(day.slots[3], 1, day=day)
    Slot.objects.filter(pk__in=[s.pk for s in day.slots[:3]]).update(status=Slot.Status.CANCELLED)

    cancel_slot(slot=day.slots[3])

    assert reload(token).status == TokenStatus.CANCELLED
    assert not WaitingEntry.objects.exists()
    assert Notification.objects.filter(token=token, kind=EventKind.CANCELLED).exists()


def test_cancelling_a_slot_writes_one_event_per_token(crowded):
    day, *_ = crowded
    fill(day.tuesday.slots[0], 1, "priority", day=day.tuesday)
    events = event_count()

    cancel_slot(slot=day.slots[0])

    # paid moved (1); online and walk-in cancelled (2) and waitlisted on Tuesday (2).
    assert event_count() == events + 5


def test_cancelling_a_cancelled_slot_changes_nothing(crowded):
    day, *_ = crowded
    cancel_slot(slot=day.slots[0])
    events = event_count()

    assert cancel_slot(slot=day.slots[0]) == []
    assert event_count() == events


def test_carried_over_patient_already_booked_on_the_next_day_keeps_that_single_place(crowded):
    day, _, online, _ = crowded
    fill(day.tuesday.slots[0], 1, "priority", day=day.tuesday)
    book(day.tuesday, "online", patient=online.patient)  # already waiting on Tuesday

    cancel_slot(slot=day.slots[0])

    assert reload(online).status == TokenStatus.CANCELLED
    assert WaitingEntry.objects.filter(patient=online.patient, status="waiting").count() == 1
    assert check_invariants() == []


def test_carried_over_patient_holding_a_token_on_the_next_day_gets_no_second_place(crowded):
    day, _, online, _ = crowded
    tuesday_token = book(day.tuesday, "online", patient=online.patient).token

    cancel_slot(slot=day.slots[0])

    assert reload(tuesday_token).status == TokenStatus.BOOKED
    assert not WaitingEntry.objects.filter(patient=online.patient).exists()
    assert check_invariants() == []


def test_doctor_going_unavailable_closes_the_rest_of_today(day, clock, receptionist):
    tuesday = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    tokens = fill_day(day, "online")
    waiting = book(day, "walk_in").waiting
    clock.set(at(day.date, 10, 30))  # 09:00 is over; 10:00 to 12:00 are closed

    set_availability(doctor=day.doctor, is_available=False, actor=receptionist, reason="Unwell")

    day.doctor.refresh_from_db()
    assert day.doctor.is_available is False
    statuses = {s.pk: s.status for s in Slot.objects.filter(doctor_day=day.doctor_day)}
    assert statuses == {
        day.slots[0].pk: "open",
        day.slots[1].pk: "cancelled",
        day.slots[2].pk: "cancelled",
        day.slots[3].pk: "cancelled",
    }
    later = [reload(token) for token in tokens[2:]]
    assert {token.status for token in later} == {TokenStatus.CANCELLED}
    assert {token.cancelled_by for token in later} == {CancelledBy.HOSPITAL}
    carried = WaitingEntry.objects.filter(doctor_day=tuesday.doctor_day, status="waiting")
    assert carried.count() == 0  # Tuesday had room: everyone was promoted there
    promoted = tuesday.doctor_day.tokens.count()
    assert promoted == len(later) + 1  # and today's waiting walk-in came along
    waiting.refresh_from_db()
    assert waiting.status == WaitingEntry.Status.CANCELLED
    with pytest.raises(DoctorUnavailable):
        book(day, "walk_in")
    assert check_invariants() == []


def test_leave_over_a_date_range_closes_every_day_and_refuses_bookings(day, clock):
    tuesday = make_day(doctor=day.doctor, on=day.date + timedelta(days=1), capacity=1)
    wednesday = make_day(doctor=day.doctor, on=day.date + timedelta(days=2), capacity=1)
    thursday = make_day(doctor=day.doctor, on=day.date + timedelta(days=3), capacity=1)
    on_tuesday = book(tuesday, "online").token
    on_wednesday = book(wednesday, "priority").token

    leave, results = record_leave(
        doctor=day.doctor, start=tuesday.date, end=wednesday.date, reason="Conference"
    )

    assert DoctorLeave.objects.filter(pk=leave.pk).exists()
    assert {r.token.id for r in results} == {on_tuesday.id, on_wednesday.id}
    for token in (on_tuesday, on_wednesday):
        assert reload(token).cancelled_by == CancelledBy.HOSPITAL
    carried = {t.patient_id: t for t in thursday.doctor_day.tokens.all()}
    assert set(carried) == {on_tuesday.patient_id, on_wednesday.patient_id}
    assert not Slot.objects.filter(
        doctor_day__in=[tuesday.doctor_day, wednesday.doctor_day], status="open"
    ).exists()
    with pytest.raises(DoctorUnavailable):
        book(tuesday, "online", patient=new_patient())
    assert book(day, "online").token is not None  # today is untouched
    assert check_invariants() == []


def test_leave_ending_before_it_starts_is_refused(day):
    with pytest.raises(InvalidRequest):
        record_leave(
            doctor=day.doctor, start=day.date + timedelta(days=2), end=day.date + timedelta(days=1)
        )

    assert not DoctorLeave.objects.exists()


def test_todays_waiting_patient_already_booked_tomorrow_is_not_given_a_second_place(
    day, receptionist
):
    tuesday = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    fill_day(day, "priority")
    patient = new_patient()
    waiting = book(day, "online", patient=patient).waiting
    tomorrow_token = book(tuesday, "online", patient=patient).token

    set_availability(doctor=day.doctor, is_available=False, actor=receptionist)

    waiting.refresh_from_db()
    assert waiting.status == WaitingEntry.Status.CANCELLED
    assert reload(tomorrow_token).status == TokenStatus.BOOKED
    assert not WaitingEntry.objects.filter(doctor_day=tuesday.doctor_day, patient=patient).exists()
    assert check_invariants() == []


def test_a_carried_over_emergency_takes_the_next_days_emergency_reserve(clock, db):
    today = make_day(hours=(9,), capacity=1, emergency_reserve=1)
    tomorrow = make_day(
        doctor=today.doctor, on=today.date + timedelta(days=1), hours=(9,), capacity=1
    )
    book(tomorrow, "online")  # tomorrow's one regular seat is taken; its reserve is free
    emergency = admit_emergency(doctor=today.doctor, patient=new_patient()).token

    cancel_slot(slot=today.slots[0])

    entry = WaitingEntry.objects.get(patient=emergency.patient)
    assert entry.status == WaitingEntry.Status.ALLOCATED
    assert entry.allocated_token.slot == tomorrow.slots[0]
    assert check_invariants() == []
