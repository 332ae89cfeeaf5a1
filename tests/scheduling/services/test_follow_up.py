"""Follow-ups: only after a completed consultation with the same doctor within FOLLOW_UP_DAYS;
no fee."""

from datetime import timedelta
from decimal import Decimal

import pytest

from queueing.services import call_token, check_in, complete
from scheduling.errors import NotEligibleForFollowUp
from scheduling.services.cancellation import cancel_token
from tests.scheduling.helpers import at, book, make_day, new_patient, snapshot


def seen(patient, doctor, clock, *, days_ago: int, finish: bool = True):
    """A consultation ``days_ago`` days before now, completed unless ``finish`` is False."""
    today = clock().date()
    then = today - timedelta(days=days_ago)
    clock.set(at(then, 8))
    visit = make_day(doctor=doctor, on=then, hours=(9,))
    token = book(visit, "online", patient=patient).token
    clock.set(at(then, 9, 5))
    check_in(token=token)
    call_token(token=token)
    if finish:
        clock.advance(minutes=12)
        complete(token=token)
    clock.set(at(today, 8))
    return token


def test_returning_patient_books_a_free_follow_up(day, clock):
    patient = new_patient()
    seen(patient, day.doctor, clock, days_ago=10)

    token = book(day, "follow_up", patient=patient).token

    assert (token.source, token.priority, token.fee) == ("follow_up", 60, Decimal("0"))


def test_follow_up_on_the_last_day_of_the_window_is_accepted(day, clock):
    patient = new_patient()
    seen(patient, day.doctor, clock, days_ago=14)  # completed at 09:17, now is 08:00

    assert book(day, "follow_up", patient=patient).token is not None


def refused(day, patient):
    before = snapshot()
    with pytest.raises(NotEligibleForFollowUp) as raised:
        book(day, "follow_up", patient=patient)
    assert snapshot() == before
    return raised.value


def test_new_patient_is_not_eligible_for_a_follow_up(day):
    error = refused(day, new_patient())

    assert (error.code, error.status) == ("not_eligible_for_follow_up", 400)


def test_consultation_older_than_the_window_is_not_enough(day, clock):
    patient = new_patient()
    seen(patient, day.doctor, clock, days_ago=15)

    refused(day, patient)


def test_consultation_with_another_doctor_is_not_enough(day, clock):
    from tests import factories

    patient = new_patient()
    seen(patient, factories.DoctorFactory(), clock, days_ago=3)

    refused(day, patient)


def test_consultation_not_completed_is_not_enough(day, clock):
    patient = new_patient()
    seen(patient, day.doctor, clock, days_ago=3, finish=False)

    refused(day, patient)


def test_cancelled_booking_is_not_a_consultation(day, clock):
    patient = new_patient()
    earlier = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    cancel_token(token=book(earlier, "online", patient=patient).token)

    refused(day, patient)


def test_follow_up_window_is_configuration(day, clock, settings):
    settings.OPD = {**settings.OPD, "FOLLOW_UP_DAYS": 30}
    patient = new_patient()
    seen(patient, day.doctor, clock, days_ago=20)

    assert book(day, "follow_up", patient=patient).token is not None
