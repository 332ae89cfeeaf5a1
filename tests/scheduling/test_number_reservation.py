"""A booking takes its token number with the day's lock; a request that issues no token gives
it back before it commits, so a day's numbers stay 1..n without gaps."""

import pytest

from opd_site import clock as opd_clock
from scheduling.errors import AlreadyBooked
from scheduling.models import DoctorDay, Source, Token
from scheduling.services.requests import request_token
from tests import factories

pytestmark = pytest.mark.django_db


def _request(hospital, patient, **fields):
    return request_token(
        doctor=hospital.doctor,
        day=opd_clock.today(),
        source=fields.pop("source", Source.WALK_IN),
        patient=patient,
        actor=hospital.receptionist,
        **fields,
    )


def _numbers(hospital) -> list[int]:
    day = DoctorDay.objects.get(doctor=hospital.doctor, date=opd_clock.today())
    numbers = sorted(Token.objects.filter(doctor_day=day).values_list("number", flat=True))
    assert day.token_counter == len(numbers)
    return numbers


def test_waitlisted_and_refused_requests_leave_no_gap(hospital):
    for slot in hospital.slots():
        slot.capacity = 1
        slot.walk_in_reserve = 0
        slot.emergency_reserve = 0
        slot.save()
    seated = 0
    while True:
        allocation = _request(hospital, factories.PatientFactory())
        if allocation.token is None:
            break  # the day is full: this one waits
        seated += 1
    assert allocation.waiting is not None
    patient = factories.PatientFactory()
    _request(hospital, patient, source=Source.EMERGENCY, reason="Chest pain")
    with pytest.raises(AlreadyBooked):
        _request(hospital, patient, source=Source.EMERGENCY, reason="Again")

    assert _numbers(hospital) == list(range(1, seated + 2))
