"""Token numbers: per doctor-day, in issue order, unique and without gaps."""

from datetime import timedelta

import pytest

from scheduling.errors import AlreadyBooked
from scheduling.invariants import check_invariants
from scheduling.models import Token
from scheduling.services.cancellation import cancel_token
from scheduling.services.emergencies import admit_emergency
from tests.scheduling.helpers import book, make_day, new_patient


def numbers(day) -> list[int]:
    return list(
        Token.objects.filter(doctor_day=day.doctor_day)
        .order_by("id")
        .values_list("number", flat=True)
    )


def test_numbers_follow_issue_order_whatever_the_outcome(clock, db):
    day = make_day(hours=(9, 10), capacity=1)
    book(day, "online", slot=day.slots[0])  # 1 direct
    book(day, "online", slot=day.slots[0])  # 2 moved to 10:00
    waiting = book(day, "online")  # no number: waitlisted
    admit_emergency(doctor=day.doctor, patient=new_patient())  # 3 in the emergency reserve
    first = Token.objects.get(doctor_day=day.doctor_day, number=1)
    cancel_token(token=first)  # frees a seat: the waiting entry is promoted as 4

    waiting.waiting.refresh_from_db()
    assert waiting.waiting.allocated_token.number == 4
    assert numbers(day) == [1, 2, 3, 4]
    day.doctor_day.refresh_from_db()
    assert day.doctor_day.token_counter == 4
    assert check_invariants() == []


def test_refused_request_takes_no_number(day):
    patient = new_patient()
    book(day, "online", patient=patient)
    with pytest.raises(AlreadyBooked):
        book(day, "online", patient=patient)

    assert book(day, "online").token.number == 2


def test_each_doctor_day_counts_from_one(day):
    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    other_doctor = make_day()
    book(day, "online")
    book(day, "online")

    assert book(tomorrow, "online").token.number == 1
    assert book(other_doctor, "online").token.number == 1
    assert book(day, "online").token.display_number == f"{day.doctor.token_prefix}-003"
