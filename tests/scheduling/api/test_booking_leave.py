"""Booking through the API on and around a doctor's leave: the doctor is read with the end of
their last leave, so a day after it books without looking at the leave records again."""

from datetime import timedelta

import pytest

from opd_site import clock as opd_clock
from scheduling.models import Token
from tests import factories
from tests.fixtures.api import signed_in

TOKENS = "/api/v1/tokens"


def _book(hospital):
    return signed_in(hospital.patient_user).post(
        TOKENS,
        {"doctor": hospital.doctor.id, "date": opd_clock.today().isoformat(), "source": "online"},
        format="json",
    )


def on_leave(hospital, starts: int, ends: int) -> None:
    """The doctor on leave from ``starts`` to ``ends`` days from today."""
    today = opd_clock.today()
    factories.DoctorLeaveFactory(
        doctor=hospital.doctor,
        start_date=today + timedelta(days=starts),
        end_date=today + timedelta(days=ends),
    )


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(0, 0), (-3, 0), (-1, 2)],
    ids=["today only", "ending today", "spanning today"],
)
def test_a_day_of_leave_is_refused(hospital, starts, ends):
    on_leave(hospital, starts, ends)

    response = _book(hospital)

    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "doctor_unavailable"
    assert not Token.objects.exists()


@pytest.mark.parametrize(("starts", "ends"), [(-5, -1), (1, 3)], ids=["ended", "later"])
def test_a_day_outside_the_leave_books(hospital, starts, ends):
    on_leave(hospital, starts, ends)

    assert _book(hospital).status_code == 201


def test_a_day_after_the_last_leave_costs_no_leave_query(hospital, django_assert_max_num_queries):
    on_leave(hospital, -9, -7)

    with django_assert_max_num_queries(30) as captured:
        assert _book(hospital).status_code == 201

    leave_lookups = [
        query
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT 1 AS "a" FROM "doctors_doctorleave"')
    ]
    assert leave_lookups == []


@pytest.mark.parametrize("doctor", [0, 987654321, 2**62, 2**63 - 1])
def test_a_doctor_who_does_not_exist_is_a_field_error_not_a_500(hospital, doctor):
    answer = signed_in(hospital.patient_user).post(
        TOKENS,
        {"doctor": doctor, "date": opd_clock.today().isoformat(), "source": "online"},
        format="json",
    )
    assert answer.status_code == 400
    assert "doctor" in answer.json()["error"]["details"]


def test_the_answer_names_the_doctor_and_department_read_with_the_booking(hospital):
    on_leave(hospital, -10, -5)
    on_leave(hospital, -30, -20)
    answer = _book(hospital)
    assert answer.status_code == 201
    doctor = answer.json()["doctor"]
    assert doctor["name"] == hospital.doctor.user.name
    assert doctor["department"] == {
        "id": hospital.doctor.department.id,
        "name": hospital.doctor.department.name,
    }
