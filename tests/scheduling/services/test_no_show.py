"""No-show: staff mark it, or the sweep after slot start plus grace; repeated no-shows block
online booking until staff clear it."""

from datetime import timedelta

import pytest

from accounts.models import Patient
from accounts.services import clear_booking_block
from queueing.services import call_token, check_in
from scheduling.errors import PatientBlocked, TooEarlyForNoShow
from scheduling.models import EventKind, TokenStatus
from scheduling.services.no_show import mark_no_show, sweep_no_shows
from tests.scheduling.helpers import (
    at,
    book,
    event_count,
    kinds,
    make_day,
    new_patient,
    reload,
    snapshot,
)


def no_show_count(patient) -> int:
    return Patient.objects.get(pk=patient.pk).no_show_count


def test_staff_mark_a_booked_token_no_show_and_the_count_rises(day, clock, receptionist):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 20))
    events = event_count()

    mark_no_show(token=token, actor=receptionist)

    token = reload(token)
    assert token.status == TokenStatus.NO_SHOW
    assert token.no_show_at == clock()
    assert event_count() == events + 1
    assert kinds(token)[-1] == EventKind.NO_SHOW
    assert no_show_count(token.patient) == 1


def test_staff_cannot_mark_a_booked_patient_absent_before_the_grace_ends(day, clock, receptionist):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 14))
    before = snapshot()

    with pytest.raises(TooEarlyForNoShow) as refused:
        mark_no_show(token=token, actor=receptionist)

    assert refused.value.status == 409
    assert "09:15" in refused.value.message
    assert snapshot() == before
    assert no_show_count(token.patient) == 0
    clock.set(at(day.date, 9, 15))
    assert mark_no_show(token=token, actor=receptionist).status == TokenStatus.NO_SHOW


def test_a_week_early_no_show_is_refused_and_counts_nothing(day, clock, receptionist):
    next_week = make_day(doctor=day.doctor, on=day.date + timedelta(days=7))
    token = book(next_week, "online").token

    with pytest.raises(TooEarlyForNoShow):
        mark_no_show(token=token, actor=receptionist)

    assert reload(token).status == TokenStatus.BOOKED
    assert no_show_count(token.patient) == 0


def test_a_called_patient_who_does_not_come_is_a_no_show_at_once(day, clock, receptionist):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 1))
    check_in(token=token)
    call_token(token=token)

    mark_no_show(token=token, actor=receptionist)

    assert reload(token).status == TokenStatus.NO_SHOW


def test_sweep_waits_for_the_grace_period_after_slot_start(day, clock):
    token = book(day, "online").token

    clock.set(at(day.date, 9, 14))
    assert sweep_no_shows() == 0
    assert reload(token).status == TokenStatus.BOOKED

    clock.set(at(day.date, 9, 15))
    assert sweep_no_shows() == 1
    assert reload(token).status == TokenStatus.NO_SHOW
    assert no_show_count(token.patient) == 1


def test_grace_period_is_configuration(day, clock, settings):
    settings.OPD = {**settings.OPD, "NO_SHOW_GRACE_MINUTES": 5}
    token = book(day, "online").token
    clock.set(at(day.date, 9, 5))

    assert sweep_no_shows() == 1
    assert reload(token).status == TokenStatus.NO_SHOW


def test_sweep_leaves_checked_in_patients_alone(day, clock):
    token = book(day, "online").token
    clock.set(at(day.date, 8, 55))
    check_in(token=token)
    clock.set(at(day.date, 11))

    assert sweep_no_shows() == 0
    assert reload(token).status == TokenStatus.CHECKED_IN


def test_sweep_is_idempotent(day, clock):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 30))

    assert sweep_no_shows() == 1
    events = event_count()
    assert sweep_no_shows() == 0
    assert event_count() == events
    assert no_show_count(token.patient) == 1


def _no_shows(patient, count, clock, *, start):
    """``count`` no-shows for ``patient``, each on its own doctor-day, marked by the sweep."""
    for offset in range(count):
        on = start + timedelta(days=offset)
        clock.set(at(on, 8))
        day = make_day(on=on, hours=(9,))
        book(day, "online", patient=patient)
        clock.set(at(on, 9, 30))
        sweep_no_shows()


def test_three_no_shows_in_the_window_block_online_booking(clock, db):
    patient = new_patient()
    _no_shows(patient, 3, clock, start=clock().date())
    patient.refresh_from_db()
    day = make_day(on=clock().date() + timedelta(days=1))

    assert patient.booking_blocked is True
    with pytest.raises(PatientBlocked):
        book(day, "online", patient=patient)
    assert book(day, "walk_in" if day.date == clock().date() else "priority", patient=patient).token


def test_two_no_shows_do_not_block(clock, db):
    patient = new_patient()
    _no_shows(patient, 2, clock, start=clock().date())

    patient.refresh_from_db()
    assert patient.no_show_count == 2
    assert patient.booking_blocked is False


def test_no_shows_older_than_the_window_do_not_count(clock, db):
    patient = new_patient()
    first = clock().date()
    _no_shows(patient, 2, clock, start=first)
    _no_shows(patient, 1, clock, start=first + timedelta(days=91))

    patient.refresh_from_db()
    assert patient.no_show_count == 3
    assert patient.booking_blocked is False


def test_block_threshold_is_configuration(clock, db, settings):
    settings.OPD = {**settings.OPD, "NO_SHOW_BLOCK_AFTER": 1}
    patient = new_patient()

    _no_shows(patient, 1, clock, start=clock().date())

    patient.refresh_from_db()
    assert patient.booking_blocked is True


def test_staff_clear_the_block_and_only_later_no_shows_count_again(clock, db, receptionist):
    patient = new_patient()
    start = clock().date()
    _no_shows(patient, 3, clock, start=start)

    clear_booking_block(patient=patient, actor=receptionist)

    patient.refresh_from_db()
    assert patient.booking_blocked is False
    day = make_day(on=clock().date() + timedelta(days=1))
    assert book(day, "online", patient=patient).token is not None
    _no_shows(patient, 1, clock, start=start + timedelta(days=5))
    patient.refresh_from_db()
    assert patient.booking_blocked is False
    _no_shows(patient, 2, clock, start=start + timedelta(days=6))
    patient.refresh_from_db()
    assert patient.booking_blocked is True
