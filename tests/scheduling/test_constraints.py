"""The database itself refuses what the engine must never write, even if a service had a bug."""

import pytest
from django.db import IntegrityError, transaction

from scheduling.models import TokenStatus, WaitingEntry
from tests.factories import PatientFactory, SlotFactory, TokenFactory, WaitingEntryFactory

pytestmark = pytest.mark.django_db


def test_second_active_token_for_the_same_patient_and_doctor_day_is_refused(clock):
    first = TokenFactory()
    later_slot = SlotFactory(doctor_day=first.doctor_day, hour=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        TokenFactory(slot=later_slot, patient=first.patient)


def test_token_number_is_unique_per_doctor_day(clock):
    first = TokenFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        TokenFactory(slot=first.slot, number=first.number)


def test_same_token_number_is_allowed_on_another_doctor_day(clock):
    first = TokenFactory()

    other = TokenFactory(number=first.number)

    assert other.number == first.number
    assert other.doctor_day != first.doctor_day


def test_token_numbers_follow_the_doctor_day_counter(clock):
    slot = SlotFactory()

    numbers = [TokenFactory(slot=slot).number for _ in range(3)]

    slot.doctor_day.refresh_from_db()
    assert numbers == [1, 2, 3]
    assert slot.doctor_day.token_counter == 3


@pytest.mark.parametrize("closed", [TokenStatus.CANCELLED, TokenStatus.NO_SHOW])
def test_cancelled_or_no_show_token_leaves_room_for_a_new_active_token(clock, closed):
    first = TokenFactory(status=closed)

    again = TokenFactory(slot=first.slot, patient=first.patient)

    assert again.status == TokenStatus.BOOKED


def test_second_waiting_entry_for_the_same_patient_day_is_refused(clock):
    first = WaitingEntryFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingEntryFactory(doctor_day=first.doctor_day, patient=first.patient)


def test_closed_waiting_entry_leaves_room_for_a_new_one(clock):
    first = WaitingEntryFactory(status=WaitingEntry.Status.CANCELLED)

    again = WaitingEntryFactory(doctor_day=first.doctor_day, patient=first.patient)

    assert again.status == WaitingEntry.Status.WAITING


def test_token_number_must_be_positive(clock):
    with pytest.raises(IntegrityError), transaction.atomic():
        TokenFactory(number=0)


def test_two_patients_may_hold_tokens_on_the_same_doctor_day(clock):
    first = TokenFactory()

    second = TokenFactory(slot=first.slot, patient=PatientFactory())

    assert {first.number, second.number} == {1, 2}
